/**
 * The sandbox account for integration tests: the service is packaged once per test run (the global
 * setup), and each file starts its own account from that package on virtual time (simulated time moves
 * when the account is quiet, see sandbox/clock.ts) with no schedules.
 */
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import {
  startSandboxAccount,
  type SandboxAccount,
  type SandboxAccountOptions,
} from '../../sandbox/account.ts';
import type { BusEvent } from '../../sandbox/types.ts';
import { projectRoot, exampleEvent } from './events.ts';

/** The package the suite's global setup made (`serverless package --stage sandbox`), shared by every file. */
export const sharedTemplateDir = async (): Promise<string> => inject('packagedDir');

/** A sandbox account for one test file: virtual time, schedules off, the shared package. */
/** An SDK client's config for the test account (its endpoint and region, the test credentials). */
export const clientConfig = (
  acct: Pick<SandboxAccount, 'url' | 'region'>,
): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } => ({
  endpoint: acct.url,
  region: acct.region,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

export async function startTestAccount(opts: SandboxAccountOptions = {}): Promise<SandboxAccount> {
  return startSandboxAccount({
    schedules: false,
    seed: 7,
    projectRoot,
    templateDir: await sharedTemplateDir(),
    ...opts,
  });
}

export const SG_ARN = (sg: string): string => `arn:aws:ec2:us-east-1:123456789012:security-group/${sg}`;

/**
 * A security group the account knows: AWS Config has the rule and the resource, the Tagging API its tags.
 * Its actual state is COMPLIANT (recorded, so no event now): the tests inject the NON_COMPLIANT change
 * event themselves, and a re-evaluation after the remediation (the `complete` function) finds it fixed.
 */
export function knownSecurityGroup(
  acct: SandboxAccount,
  sg: string,
  tags: Record<string, string> = {},
): void {
  acct.config.putRule('restricted-ssh');
  acct.config.setCompliance(
    'restricted-ssh',
    { resourceType: 'AWS::EC2::SecurityGroup', resourceId: sg },
    'COMPLIANT',
    {
      evaluate: true,
    },
  );
  acct.tagging.setTags(SG_ARN(sg), { Name: `${sg}-name`, ...tags });
}

/**
 * The shared Config compliance-change event (restricted-ssh, NON_COMPLIANT) for one security group, with
 * a fresh event id unless one is given.
 */
export function configEvent(sg = 'sg-0a1b2c3d4e5f67890', opts: { id?: string } = {}): BusEvent {
  const e = exampleEvent('config-rules-compliance-change-noncompliant') as unknown as BusEvent;
  e.id = opts.id ?? randomUUID();
  const d = e.detail as Record<string, unknown> & {
    newEvaluationResult: {
      evaluationResultIdentifier: { evaluationResultQualifier: Record<string, string> };
    };
  };
  d['resourceId'] = sg;
  d.newEvaluationResult.evaluationResultIdentifier.evaluationResultQualifier['resourceId'] = sg;
  const old = d['oldEvaluationResult'] as
    { evaluationResultIdentifier: { evaluationResultQualifier: Record<string, string> } } | undefined;
  if (old) old.evaluationResultIdentifier.evaluationResultQualifier['resourceId'] = sg;
  return e;
}

/** Automation executions started for one resource (by the service's resource tag). */
export function executionsFor(
  acct: SandboxAccount,
  sg: string,
): ReturnType<SandboxAccount['ssm']['listAutomationExecutions']> {
  return acct.ssm
    .listAutomationExecutions()
    .filter((x) => x.tags.some((t) => t.Key === 'ssm-remediator:resource' && t.Value === sg));
}

/** The remediate function's `decision` log lines for one resource. */
export function decisions(acct: SandboxAccount, resourceId: string): Array<Record<string, unknown>> {
  return acct.logs
    .json('remediate')
    .filter((l) => l['message'] === 'decision' && l['resourceId'] === resourceId);
}

/** Puts remediations' modes in the sandbox stage's Parameter Store, as an operator would. */
export async function setModes(
  ssm: SSMClient,
  ids: readonly string[],
  mode: 'auto' | 'shadow' | 'off',
): Promise<void> {
  for (const id of ids) {
    await ssm.send(
      new PutParameterCommand({
        Name: `/ssm-remediator/sandbox/mode/${id}`,
        Value: mode,
        Type: 'String',
        Overwrite: true,
      }),
    );
  }
}
