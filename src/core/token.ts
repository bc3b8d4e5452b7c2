import { createHash } from 'node:crypto';

/** Namespace for ssm-remediator's name-based UUIDs (a fixed random UUID). */
const NAMESPACE = '6f1d7c2a-3b4e-4f50-9a61-7c8d9e0f1a2b';

/** RFC 4122 version-5 UUID of `name` in `namespace`: the same input always gives the same UUID. */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The StartAutomationExecution ClientToken for one (remediation, resource, finding) and the start's
 * place among the plan's Automation starts (`step`, from 0): a redelivered or retried event derives
 * the same tokens, so SSM cannot start a second execution for it, while two starts of one plan are
 * two executions. Step 0 is the token a one-start plan always had.
 */
export function clientToken(
  remediationId: string,
  resourceId: string,
  orderingTime: string,
  step = 0,
): string {
  const name = `${remediationId}\n${resourceId}\n${orderingTime}`;
  return uuidV5(step === 0 ? name : `${name}\n#${step}`);
}
