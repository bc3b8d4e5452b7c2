/**
 * The storm benchmark's scenario for one size: `n` finding events' worth of work, a mix of Config
 * findings on four rules (each a Systems Manager Automation) and failed patch runs (each a Run Command
 * fan-out of AWS-RunPatchBaseline), all arriving within a few minutes, at SSM's real quotas (the
 * sandbox's SSM: 100 running Automation executions, 1,000 queued). The stage's budget is raised out of
 * the way (the storm is about throughput, not about the budget guard).
 */
import { validateScenario, type Scenario } from '../../sandbox/scenario/schema.ts';

export interface StormShape {
  /** Distinct findings. */
  size: number;
  /** Share of them that are failed patch runs (default 0.2). */
  patchShare?: number;
  /** Simulated run time of one Automation execution (default 1m). */
  runTime?: string;
  /** Over how long the findings arrive (default 5m). */
  spread?: string;
  seed?: number;
  /** Extra stage parameters. */
  params?: Record<string, string>;
}

const RULES = [
  { rule: 'restricted-ssh', resourceType: 'AWS::EC2::SecurityGroup' },
  { rule: 's3-bucket-versioning-enabled', resourceType: 'AWS::S3::Bucket' },
  { rule: 's3-bucket-server-side-encryption-enabled', resourceType: 'AWS::S3::Bucket' },
  { rule: 's3-bucket-public-read-prohibited', resourceType: 'AWS::S3::Bucket' },
] as const;

export function stormScenario(shape: StormShape): Scenario {
  const n = shape.size;
  const patched = Math.round(n * (shape.patchShare ?? 0.2));
  const config = n - patched;
  const perRule = RULES.map(
    (_, i) => Math.floor(config / RULES.length) + (i < config % RULES.length ? 1 : 0),
  );
  const spread = shape.spread ?? '5m';
  return validateScenario(
    {
      name: `storm ${n}`,
      description: `${config} Config findings on ${RULES.length} rules and ${patched} failed patch runs within ${spread}, at SSM's real quotas`,
      seed: shape.seed ?? 13,
      clock: { duration: '1h', drain: '48h' },
      fleet: { count: patched, tags: { Environment: 'prod' } },
      findings: RULES.map((r, i) => ({
        ...r,
        count: perRule[i] ?? 0,
        at: { from: '1m', to: spread },
      })).filter((f) => f.count > 0),
      patchWindows: patched > 0 ? [{ at: '2m', failed: patched, emit: ['invocation', 'compliance'] }] : [],
      // Both ship in shadow; the storm is about acting.
      modes: [
        { remediation: 'patch-baseline-install', mode: 'auto' },
        { remediation: 's3-bucket-versioning-enabled', mode: 'auto' },
      ],
      automation: { runTime: shape.runTime ?? '1m' },
      // Work over the service's share of SSM's quota is held (admission) and started as executions end
      // (the complete function's `Admission Slot Freed`, docs/quota-waits.md): the default 15-minute
      // sweep is only the backstop, so the storm runs with it.
      params: {
        budgetPerHour: String(Math.max(100_000, n * 10)),
        ...shape.params,
      },
      report: { slackSamples: 0 },
    },
    `storm ${n}`,
  );
}
