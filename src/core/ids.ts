/**
 * The shapes AWS uses for the ids a finding can carry. A value that comes from an event reaches a
 * document only after it matched one of these; anything else is rejected, never passed on.
 * Patterns are valid in both Java and Go RE2 (SSM checks allowedPattern in both).
 */
import { ValidationError } from './errors.ts';

export const ID_PATTERNS = {
  securityGroupId: /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/,
  instanceId: /^i-([0-9a-f]{8}|[0-9a-f]{17})$/,
  managedInstanceId: /^(i-([0-9a-f]{8}|[0-9a-f]{17})|mi-[0-9a-f]{17})$/,
  /** S3 bucket names: 3-63 lowercase letters, digits, dots, hyphens; start and end alphanumeric. */
  s3BucketName: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  iamRoleArn: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
  accountId: /^\d{12}$/,
  /** A Run Command command id (a UUID). */
  commandId: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  region: /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/,
  /** Any resource id we accept from an event at all: no spaces, quotes or shell metacharacters. */
  safeResourceId: /^[A-Za-z0-9][A-Za-z0-9._:/@+=,-]{0,1023}$/,
  /** SSM document names (ours and AWS's). */
  documentName: /^[a-zA-Z0-9_\-.]{3,128}$/,
  /** Change calendar: a document name or a document ARN. */
  calendarName:
    /^([a-zA-Z0-9_\-.]{3,128}|arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:document\/[a-zA-Z0-9_\-.]{3,128})$/,
} as const;

export type IdKind = keyof typeof ID_PATTERNS;

/** Returns `value` if it has the shape of `kind`, else throws a ValidationError naming `field`. */
export function requireId(kind: IdKind, value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERNS[kind].test(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
    throw new ValidationError(field, `${shown} is not a valid ${kind} (${ID_PATTERNS[kind].source})`);
  }
  return value;
}
