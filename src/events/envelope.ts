import * as z from '../model/zod.ts';
import { ID_PATTERNS } from '../model/ids.ts';

/** The EventBridge envelope every event carries (AWS-FACTS §1.0). */
export const envelope = z.object({
  version: z.literal('0'),
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  'detail-type': z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  account: z.string().check(z.regex(ID_PATTERNS.accountId)),
  time: z.iso.datetime({ offset: true }),
  region: z.string().check(z.regex(ID_PATTERNS.region)),
  resources: z._default(z.array(z.string()), []),
  detail: z.record(z.string(), z.unknown()),
});

export type Envelope = z.infer<typeof envelope>;

/** A resource id we accept from an event: no spaces, quotes or shell metacharacters, ever. */
export const safeResourceId = z
  .string()
  .check(z.regex(ID_PATTERNS.safeResourceId, 'must be a resource id (letters, digits and ._:/@+=,- only)'));

export const instanceIdField = z
  .string()
  .check(z.regex(ID_PATTERNS.managedInstanceId, 'must be an instance id like i-0123456789abcdef0 or mi-…'));
