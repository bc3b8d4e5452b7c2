/**
 * The sandbox's clock. Simulated time runs `speed` times faster than wall time, so a day of
 * automations and freezes fits in a minute. In `manual` mode (tests) time moves only on `advance`,
 * which also fires the timers that fall due, in order.
 */
export interface SimClock {
  now(): Date;
  /** Run `fn` after `simMs` of simulated time. Returns a cancel function. */
  after(simMs: number, fn: () => void): () => void;
  /** Manual clocks only: move time forward and fire due timers in order. */
  advance(simMs: number): Promise<void>;
  readonly speed: number;
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export function createClock(opts: { start?: Date; speed?: number; manual?: boolean } = {}): SimClock {
  const startSim = (opts.start ?? new Date()).getTime();
  const speed = opts.speed ?? 1;
  const startReal = Date.now();
  let manualNow = startSim;
  const timers: Timer[] = [];
  let seq = 0;

  const nowMs = (): number => (opts.manual ? manualNow : startSim + (Date.now() - startReal) * speed);

  return {
    speed,
    now: () => new Date(nowMs()),
    after(simMs, fn) {
      if (opts.manual) {
        const t: Timer = { at: manualNow + Math.max(0, simMs), seq: seq++, fn, cancelled: false };
        timers.push(t);
        return () => {
          t.cancelled = true;
        };
      }
      // Node may fire a timer up to a millisecond early, which is many simulated ms at high speed:
      // re-arm until the simulated moment has really come, so a simulated delay is never short.
      const due = nowMs() + Math.max(0, simMs);
      let handle: ReturnType<typeof setTimeout>;
      const arm = (): void => {
        const remaining = due - nowMs();
        if (remaining <= 0) return fn();
        handle = setTimeout(arm, Math.max(1, remaining / speed));
        handle.unref?.();
      };
      handle = setTimeout(arm, Math.max(0, simMs / speed));
      handle.unref?.();
      return () => clearTimeout(handle);
    },
    async advance(simMs) {
      if (!opts.manual) throw new Error('advance() is only for manual clocks');
      const target = manualNow + simMs;
      for (;;) {
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers.find((t) => !t.cancelled && t.at <= target);
        if (!next) break;
        timers.splice(timers.indexOf(next), 1);
        manualNow = Math.max(manualNow, next.at);
        next.fn();
        await Promise.resolve();
      }
      manualNow = target;
    },
  };
}
