/**
 * Token buckets per service+operation. A key names one bucket: 'ssm:SendCommand', several operations
 * sharing one bucket 'ssm:GetParameter|GetParameters|GetParametersByPath', or a whole service 'ssm:*'.
 */
export interface RateLimit {
  /** Sustained requests per second. */
  rps: number;
  /** Bucket size (requests allowed at once); default max(1, rps). */
  burst?: number;
}

export type RateLimits = Record<string, RateLimit>;

/** Parameter Store's documented default throughput: 40 TPS shared by GetParameter, GetParameters, GetParametersByPath. */
export const PARAMETER_STORE_LIMITS: RateLimits = {
  'ssm:GetParameter|GetParameters|GetParametersByPath': { rps: 40, burst: 40 },
};

interface Bucket {
  service: string;
  operations: Set<string> | 'all';
  rps: number;
  burst: number;
  tokens: number;
  last: number;
}

function parseKey(key: string): { service: string; operations: Set<string> | 'all' } {
  const colon = key.indexOf(':');
  if (colon <= 0)
    throw new Error(`rate limit key "${key}" must look like "service:Operation" (or "service:*")`);
  const service = key.slice(0, colon);
  const ops = key.slice(colon + 1);
  return { service, operations: ops === '*' ? 'all' : new Set(ops.split('|').filter(Boolean)) };
}

export class RateLimiter {
  private buckets: Bucket[] = [];

  constructor(
    limits: RateLimits = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.set(limits);
  }

  /** Replace all limits (buckets start full). */
  set(limits: RateLimits): void {
    this.buckets = Object.entries(limits).map(([key, limit]) => {
      if (!(limit.rps > 0)) throw new Error(`rate limit "${key}": rps must be > 0`);
      const burst = limit.burst ?? Math.max(1, limit.rps);
      return { ...parseKey(key), rps: limit.rps, burst, tokens: burst, last: this.now() };
    });
  }

  /** Take one token from every bucket covering this call; false means "throttle it". */
  take(service: string, operation: string): boolean {
    const covering = this.buckets.filter(
      (b) => b.service === service && (b.operations === 'all' || b.operations.has(operation)),
    );
    for (const b of covering) this.refill(b);
    if (covering.some((b) => b.tokens < 1)) return false;
    for (const b of covering) b.tokens -= 1;
    return true;
  }

  private refill(b: Bucket): void {
    const t = this.now();
    b.tokens = Math.min(b.burst, b.tokens + ((t - b.last) / 1000) * b.rps);
    b.last = t;
  }
}
