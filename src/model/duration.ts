/**
 * Durations as the service's settings and the sandbox's scenarios write them: `1h30m`, `45m`, `90s`.
 */
const DURATION_RE = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `1h30m` → 5_400_000 ms (`0s` → 0); undefined when it is not a duration. */
export function hmsMs(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m || !text.trim()) return undefined;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** `30m`, `1h`, `90s`, `2h30m` → milliseconds; undefined when it is not a duration longer than zero. */
export function durationMs(text: string): number | undefined {
  const ms = hmsMs(text);
  return ms !== undefined && ms > 0 ? ms : undefined;
}
