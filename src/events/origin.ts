/**
 * Strict envelopes: an event is acted on only where it says it comes from, and only if that is here.
 * The envelope's account and region must be the deployment's own (when known: the Lambda's own ARN
 * and AWS_REGION); every ARN in `resources` and the detail's own account/region fields must agree
 * with the envelope, in the region's partition. A mismatch is a ValidationError naming the field,
 * so the event is rejected and dead-lettered like any malformed event. Pure.
 */
import { ValidationError } from '../model/errors.ts';
import { parseArn, partitionOf } from '../model/partition.ts';
import type { Envelope } from './envelope.ts';

/** Where this deployment runs; unset fields are not compared (a dry run, `remediator plan`). */
export interface Home {
  account?: string;
  region?: string;
}

/** The deployment's home from the Lambda context's invokedFunctionArn and AWS_REGION. */
export function homeOf(invokedFunctionArn: string | undefined, region: string | undefined): Home {
  const arn = invokedFunctionArn ? parseArn(invokedFunctionArn) : undefined;
  return {
    ...(arn?.account ? { account: arn.account } : {}),
    ...(region || arn?.region ? { region: region || arn!.region } : {}),
  };
}

/** The envelope against the deployment, and its `resources` ARNs against the envelope. */
export function checkEnvelopeOrigin(env: Envelope, home: Home): void {
  if (home.account !== undefined && env.account !== home.account) {
    throw new ValidationError(
      'account',
      `${env.account} is not this deployment's account (${home.account}); an event about another account is not acted on here`,
    );
  }
  if (home.region !== undefined && env.region !== home.region) {
    throw new ValidationError(
      'region',
      `${env.region} is not this deployment's region (${home.region}); an event about another region is not acted on here`,
    );
  }
  env.resources.forEach((r, i) => {
    if (r.startsWith('arn:')) checkArn(`resources[${i}]`, r, env);
  });
}

/** An ARN an event carries must be in the envelope's partition, region (if it has one) and account (if it has one). */
export function checkArn(field: string, arn: string, env: Envelope): void {
  const a = parseArn(arn);
  if (!a) throw new ValidationError(field, `${JSON.stringify(arn.slice(0, 120))} is not an ARN`);
  const partition = partitionOf(env.region);
  if (a.partition !== partition) {
    throw new ValidationError(
      field,
      `is in partition ${a.partition}, but region ${env.region} is in ${partition}`,
    );
  }
  if (a.region !== '' && a.region !== env.region) {
    throw new ValidationError(field, `names region ${a.region}, but the event is from ${env.region}`);
  }
  if (a.account !== '' && a.account !== 'aws' && a.account !== env.account) {
    throw new ValidationError(field, `names account ${a.account}, but the event is from ${env.account}`);
  }
}

/** A detail field that names the account or region must name the envelope's. */
export function sameAs(field: string, value: string, expected: string, what: 'account' | 'region'): void {
  if (value !== expected) {
    throw new ValidationError(field, `is ${what} ${value}, but the event envelope says ${expected}`);
  }
}
