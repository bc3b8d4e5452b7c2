/**
 * The sandbox's clock. Two modes:
 *
 * - `virtual` (the account's default; `manual: true` is the same clock): simulated time moves only when
 *   the account is quiet at the current instant — no invocation running, no HTTP request in flight, no
 *   work held — and then jumps to the next scheduled instant (`step`, `runUntil`, `advance`). Whatever
 *   runs is ordered by the clock: invocations take a *turn* (`turn()`), one at a time, in the order they
 *   asked, so the same inputs give the same day on a fast or a loaded machine, and an idle night costs
 *   no wall time.
 * - `real`: simulated time runs `speed` times faster than wall time (the interactive `remediator
 *   sandbox`); timers are wall timers.
 */
export interface SimClock {
  now(): Date;
  /** Run `fn` after `simMs` of simulated time. Returns a cancel function. */
  after(simMs: number, fn: () => void): () => void;
  /** Virtual clocks: move time forward by `simMs`, firing every timer that falls due, in order. */
  advance(simMs: number): Promise<void>;
  readonly speed: number;
  readonly mode: 'virtual' | 'real';
  /** Count work in flight (the clock is not quiet until it is released). Returns the release. */
  hold(): () => void;
  /**
   * One at a time: resolves with a release when it is the caller's turn (FIFO). Taken synchronously when
   * free. Real clocks grant every caller at once.
   */
  turn(): Promise<() => void>;
  /** Resolves once nothing holds the clock, nothing has or waits for a turn (real clocks: at once). */
  quiet(): Promise<void>;
  /**
   * Virtual clocks: wait for quiet, then fire the earliest timer (moving time to it) if it is due at or
   * before `limit` (default: any). False when there is none.
   */
  step(limit?: number): Promise<boolean>;
  /** Virtual clocks: step through every timer up to `at` (ms since epoch), then set the time to `at`. */
  runUntil(at: number): Promise<void>;
  /** When the next timer is due (ms since epoch), if any. */
  nextDue(): number | undefined;
  /** Virtual clocks: step until `work` settles (it may need simulated time to pass); real clocks: `work`. */
  drive<T>(work: Promise<T>): Promise<T>;
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));

export function createClock(
  opts: { start?: Date; speed?: number; manual?: boolean; virtual?: boolean } = {},
): SimClock {
  if (opts.manual || opts.virtual) return createVirtualClock(opts.start);
  return createRealClock(opts.start, opts.speed ?? 1);
}

function createRealClock(start: Date | undefined, speed: number): SimClock {
  const startSim = (start ?? new Date()).getTime();
  const startReal = Date.now();
  const nowMs = (): number => startSim + (Date.now() - startReal) * speed;
  const noop = (): void => undefined;
  return {
    speed,
    mode: 'real',
    now: () => new Date(nowMs()),
    after(simMs, fn) {
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
    advance: () => Promise.reject(new Error('advance() is only for virtual clocks')),
    hold: () => noop,
    turn: () => Promise.resolve(noop),
    quiet: () => Promise.resolve(),
    step: () => Promise.reject(new Error('step() is only for virtual clocks')),
    runUntil: () => Promise.reject(new Error('runUntil() is only for virtual clocks')),
    nextDue: () => undefined,
    drive: (work) => work,
  };
}

function createVirtualClock(start: Date | undefined): SimClock {
  let now = (start ?? new Date()).getTime();
  const timers: Timer[] = [];
  let seq = 0;
  let holds = 0;
  let turnHeld = false;
  const turnQueue: Array<(release: () => void) => void> = [];
  const waiters = new Set<() => void>();
  const changed = (): void => {
    for (const w of [...waiters]) w();
  };

  const isQuiet = (): boolean => holds === 0 && !turnHeld && turnQueue.length === 0;

  const next = (): Timer | undefined => {
    let best: Timer | undefined;
    for (let i = timers.length - 1; i >= 0; i--) {
      const t = timers[i]!;
      if (t.cancelled) {
        timers.splice(i, 1);
        continue;
      }
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  };

  const makeRelease = (): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const waiter = turnQueue.shift();
      if (waiter) waiter(makeRelease());
      else {
        turnHeld = false;
        changed();
      }
    };
  };

  const quiet = async (): Promise<void> => {
    for (;;) {
      // Quiet for two turns of the event loop: continuations of what just finished get to run first.
      if (isQuiet()) {
        await immediate();
        if (isQuiet()) {
          await immediate();
          if (isQuiet()) return;
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          waiters.delete(wake);
          clearTimeout(fallback);
          resolve();
        };
        const fallback = setTimeout(wake, 20);
        waiters.add(wake);
      });
    }
  };

  const step = async (limit = Infinity): Promise<boolean> => {
    await quiet();
    const t = next();
    if (!t || t.at > limit) return false;
    timers.splice(timers.indexOf(t), 1);
    now = Math.max(now, t.at);
    t.fn();
    return true;
  };

  const clock: SimClock = {
    speed: Infinity,
    mode: 'virtual',
    now: () => new Date(now),
    after(simMs, fn) {
      const t: Timer = { at: now + Math.max(0, simMs), seq: seq++, fn, cancelled: false };
      timers.push(t);
      return () => {
        t.cancelled = true;
      };
    },
    async advance(simMs) {
      await clock.runUntil(now + simMs);
    },
    hold() {
      holds += 1;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        holds -= 1;
        changed();
      };
    },
    turn() {
      if (!turnHeld) {
        turnHeld = true;
        return Promise.resolve(makeRelease());
      }
      return new Promise((resolve) => turnQueue.push(resolve));
    },
    quiet,
    step,
    async runUntil(at) {
      while (await step(at));
      await quiet();
      now = Math.max(now, at);
    },
    nextDue: () => next()?.at,
    async drive(work) {
      let settled = false;
      const done = work.finally(() => {
        settled = true;
      });
      // Quiet first, then look again: a step begun while the work ran would otherwise fire the next
      // timer (hours away, perhaps) the moment the work gives its turn back, just as it settles.
      while (!settled) {
        await quiet();
        if (settled || !(await step())) break;
      }
      return done;
    },
  };
  return clock;
}
