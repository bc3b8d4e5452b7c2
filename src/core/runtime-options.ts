/** Runtime options of completion and the reconcile sweep (from the parsed environment, src/config.ts). */

export interface LedgerRuntimeOptions {
  /** How long to wait for Config to confirm a fix before calling it "ran but not fixed". */
  verifyTimeoutMinutes: number;
  /** Deferred work older than this expires with a notification (DEFERRAL_MAX_AGE_HOURS). */
  deferralMaxAgeHours: number;
  /** In-flight executions older than this are polled by the reconcile sweep. */
  inFlightPollMinutes: number;
  /** How long a releaser holds a deferral. */
  deferralLeaseSeconds: number;
  /** How long a breaker trip stays announced before it may be announced again. */
  breakerHoldMinutes: number;
  /** Held work (gate unreadable, SSM busy, budget) that waits longer than this is announced once. */
  heldAnnounceMinutes: number;
}

export const DEFAULT_RUNTIME_OPTIONS: LedgerRuntimeOptions = {
  verifyTimeoutMinutes: 30,
  deferralMaxAgeHours: 168,
  inFlightPollMinutes: 5,
  deferralLeaseSeconds: 300,
  breakerHoldMinutes: 60,
  heldAnnounceMinutes: 60,
};

/** The runtime options from the parsed environment (src/config.ts). */
export function runtimeOptionsFromEnv(e: {
  VERIFY_TIMEOUT_MINUTES: number;
  DEFERRAL_MAX_AGE_HOURS: number;
  RECONCILE_POLL_MINUTES: number;
  BREAKER_WINDOW_MINUTES: number;
}): LedgerRuntimeOptions {
  return {
    ...DEFAULT_RUNTIME_OPTIONS,
    verifyTimeoutMinutes: e.VERIFY_TIMEOUT_MINUTES,
    deferralMaxAgeHours: e.DEFERRAL_MAX_AGE_HOURS,
    inFlightPollMinutes: e.RECONCILE_POLL_MINUTES,
    breakerHoldMinutes: e.BREAKER_WINDOW_MINUTES,
  };
}
