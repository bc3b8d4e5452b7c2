/**
 * The one place the service reads time: `now()` and `sleep()` (backoff waits). On Lambda it is the
 * runtime's clock; in the sandbox the container's Date and timers are the sandbox's simulated ones, so
 * guards, debounces, caches and backoff all run on the rehearsal's day.
 */
export interface SystemClock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: SystemClock = {
  now: () => new Date(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
