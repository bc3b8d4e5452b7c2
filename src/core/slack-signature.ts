/**
 * Slack's request signature (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}" with the signing secret>`,
 * `X-Slack-Request-Timestamp` in seconds. A request is accepted only when both headers are there,
 * the timestamp is within five minutes of now, and the signature matches in constant time. Pure
 * (node:crypto only). The verdict names why a request was refused, never the secret or the signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureVerdict =
  | { ok: true }
  | { ok: false; reason: 'missing-headers' | 'malformed-timestamp' | 'stale-timestamp' | 'bad-signature' };

/** A header by name, whatever its case (Function URLs lower-case them; tests may not). */
export function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** The `v0=` signature Slack would send for this body at this timestamp. */
export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`, 'utf8').digest('hex')}`;
}

export function verifySlackSignature(input: {
  secret: string;
  headers: Record<string, string | undefined>;
  body: string;
  now: Date;
  toleranceSeconds?: number;
}): SignatureVerdict {
  const timestamp = header(input.headers, 'x-slack-request-timestamp');
  const signature = header(input.headers, 'x-slack-signature');
  if (!timestamp || !signature || !input.secret) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed-timestamp' };
  const skew = Math.abs(input.now.getTime() / 1000 - Number(timestamp));
  if (skew > (input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS))
    return { ok: false, reason: 'stale-timestamp' };
  const want = Buffer.from(slackSignature(input.secret, timestamp, input.body), 'utf8');
  const got = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a different length is a mismatch (its length is no secret).
  if (got.length !== want.length || !timingSafeEqual(got, want))
    return { ok: false, reason: 'bad-signature' };
  return { ok: true };
}
