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
  /**
   * S3 bucket names: lowercase letters, digits, dots, hyphens; start and end alphanumeric; no two
   * adjacent dots. S3's other rules (3-63 characters, not an IP address, reserved prefixes and
   * suffixes) are in ID_RULES: RE2 has no lookaround to say them here.
   */
  s3BucketName: /^[a-z0-9]((\.?[a-z0-9-])*\.?[a-z0-9])?$/,
  iamRoleArn: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
  accountId: /^\d{12}$/,
  /** A Run Command command id (a UUID). */
  commandId: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  /** A State Manager association id (SSM's AssociationId pattern: a UUID). */
  associationId: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
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

/** S3's bucket naming rules beyond the pattern (AWS S3 User Guide, "General purpose bucket naming rules"). */
const S3_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const S3_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Rules a pattern cannot say (in RE2): what is wrong with a value that matched, or undefined. */
const ID_RULES: Partial<Record<IdKind, (v: string) => string | undefined>> = {
  s3BucketName: (v) => {
    if (v.length < 3 || v.length > 63) return 'must be 3 to 63 characters long';
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return 'must not be formatted as an IP address';
    const prefix = S3_RESERVED_PREFIXES.find((p) => v.startsWith(p));
    if (prefix) return `must not start with the reserved prefix ${prefix}`;
    const suffix = S3_RESERVED_SUFFIXES.find((p) => v.endsWith(p));
    return suffix ? `must not end with the reserved suffix ${suffix}` : undefined;
  },
};

/** Whether `value` has the shape of `kind` (its pattern and, where S3 has more rules, those). */
export const isId = (kind: IdKind, value: unknown): value is string =>
  typeof value === 'string' && ID_PATTERNS[kind].test(value) && ID_RULES[kind]?.(value) === undefined;

/** Returns `value` if it has the shape of `kind`, else throws a ValidationError naming `field`. */
export function requireId(kind: IdKind, value: unknown, field: string): string {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  if (typeof value !== 'string' || !ID_PATTERNS[kind].test(value)) {
    throw new ValidationError(field, `${shown} is not a valid ${kind} (${ID_PATTERNS[kind].source})`);
  }
  const rule = ID_RULES[kind]?.(value);
  if (rule !== undefined) throw new ValidationError(field, `${shown} is not a valid ${kind}: it ${rule}`);
  return value;
}
