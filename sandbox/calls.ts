/** Counts API calls per service and per operation, for the rehearsal report ("API calls per service"). */
export interface ServiceCalls {
  total: number;
  byOperation: Record<string, number>;
}

export type CallSnapshot = Record<string, ServiceCalls>;

export class CallCounter {
  private counts = new Map<string, Map<string, number>>();

  record(service: string, operation: string): void {
    const ops = this.counts.get(service) ?? new Map<string, number>();
    ops.set(operation, (ops.get(operation) ?? 0) + 1);
    this.counts.set(service, ops);
  }

  /** Calls of one service (all operations) or of one operation. */
  count(service: string, operation?: string): number {
    const ops = this.counts.get(service);
    if (!ops) return 0;
    if (operation !== undefined) return ops.get(operation) ?? 0;
    let total = 0;
    for (const n of ops.values()) total += n;
    return total;
  }

  snapshot(): CallSnapshot {
    const out: CallSnapshot = {};
    for (const [service, ops] of [...this.counts].sort(([a], [b]) => a.localeCompare(b))) {
      const byOperation: Record<string, number> = {};
      for (const [op, n] of [...ops].sort(([a], [b]) => a.localeCompare(b))) byOperation[op] = n;
      out[service] = { total: this.count(service), byOperation };
    }
    return out;
  }

  reset(): void {
    this.counts.clear();
  }
}
