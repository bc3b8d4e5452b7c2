import type { ItemFaults } from './types.ts';
import { createRng, type Rng } from './rng.ts';

/**
 * How a matching call fails:
 * - 'error': an AWS error response (`code`, `status`);
 * - 'reset': the connection is dropped without an answer (ECONNRESET at the client);
 * - 'hang': no answer at all until the client gives up or the server closes.
 */
export type FaultMode = 'error' | 'reset' | 'hang';

export interface FaultRule {
  /** 'ssm:GetCalendarState', 'ssm:*', '*', or 'slack' for the Slack webhook receiver. */
  target: string;
  /** Probability (0..1) that a matching call fails. Default 1 if the rule sets code/status/mode, else 0. */
  errorRate?: number;
  /** AWS error code; default: the service's internal error code (5xx) or 'ThrottlingException' (429). */
  code?: string;
  /** HTTP status; default 500. */
  status?: number;
  message?: string;
  mode?: FaultMode;
  /** Extra latency (ms of wall time) added to every matching call, failing or not. */
  latencyMs?: number;
  /** Inject at most this many failures, then the rule stops failing calls. */
  times?: number;
  /** Probability (0..1) that one item of a batch fails (PutEvents entries → InternalFailure). */
  itemFailureRate?: number;
  /**
   * Fail after the call took effect: the operation runs, then the caller gets the error (or the reset /
   * hang) instead of the answer — "it worked, but the response was lost".
   */
  after?: boolean;
  /**
   * Only calls whose request body (JSON) contains this text match, e.g. `"pk":{"S":"EXEC#` for the
   * ledger's PutItem that records an execution.
   */
  bodyContains?: string;
}

export interface InjectedFailure {
  mode: FaultMode;
  /** The operation runs first; only its answer is lost. */
  after?: boolean;
  code?: string;
  status: number;
  message: string;
}

export interface FaultDecision {
  latencyMs: number;
  failure?: InjectedFailure;
}

interface ActiveRule {
  rule: FaultRule;
  failures: number;
}

function targetMatches(target: string, service: string, operation: string): boolean {
  if (target === '*' || target === service || target === `${service}:*`) return true;
  return target === `${service}:${operation}`;
}

function errorRateOf(rule: FaultRule): number {
  if (rule.errorRate !== undefined) return rule.errorRate;
  return rule.code !== undefined || rule.status !== undefined || rule.mode !== undefined ? 1 : 0;
}

/** Faults on demand, settable at run time by scenarios and tests; random choices come from a seeded RNG. */
export class FaultController implements ItemFaults {
  private active: ActiveRule[] = [];
  private rng: Rng;

  constructor(opts: { seed?: number; rules?: FaultRule[] } = {}) {
    this.rng = createRng(opts.seed ?? 1);
    for (const rule of opts.rules ?? []) this.add(rule);
  }

  /** Add a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const entry: ActiveRule = { rule, failures: 0 };
    this.active.push(entry);
    return () => {
      this.active = this.active.filter((e) => e !== entry);
    };
  }

  /** Replace all rules. */
  set(rules: FaultRule[]): void {
    this.active = rules.map((rule) => ({ rule, failures: 0 }));
  }

  clear(): void {
    this.active = [];
  }

  rules(): readonly FaultRule[] {
    return this.active.map((e) => e.rule);
  }

  reseed(seed: number): void {
    this.rng = createRng(seed);
  }

  /** Decide, before the operation runs, what happens to this call (`body`: its request, for `bodyContains`). */
  decide(service: string, operation: string, body?: () => string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    let text: string | undefined;
    for (const entry of this.active) {
      const { rule } = entry;
      if (!targetMatches(rule.target, service, operation)) continue;
      if (rule.bodyContains !== undefined && !(text ??= body?.() ?? '').includes(rule.bodyContains)) continue;
      decision.latencyMs += rule.latencyMs ?? 0;
      if (decision.failure || !this.shouldFail(entry)) continue;
      entry.failures += 1;
      decision.failure = {
        mode: rule.mode ?? 'error',
        ...(rule.after ? { after: true } : {}),
        code: rule.code,
        status: rule.status ?? 500,
        message: rule.message ?? `Injected fault (${rule.target})`,
      };
    }
    return decision;
  }

  itemFails(service: string, operation: string): boolean {
    for (const entry of this.active) {
      const rate = entry.rule.itemFailureRate ?? 0;
      if (rate > 0 && targetMatches(entry.rule.target, service, operation) && this.rng() < rate) return true;
    }
    return false;
  }

  private shouldFail(entry: ActiveRule): boolean {
    const rate = errorRateOf(entry.rule);
    if (rate <= 0) return false;
    if (entry.rule.times !== undefined && entry.failures >= entry.rule.times) return false;
    return rate >= 1 || this.rng() < rate;
  }
}
