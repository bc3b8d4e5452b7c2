/**
 * A rehearsal as an operator would have watched it in CloudWatch: the functions' EMF metrics, the
 * packaged template's alarms over them and the queues, and log lines correlated by the invocation's
 * event (`correlation_id`) and by the finding (`findingEventId`).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { SandboxAccount } from '../../sandbox/account.ts';
import type { RehearsalReport } from '../../sandbox/scenario/report.ts';
import { renderReport } from '../../sandbox/scenario/report.ts';
import { runScenario } from '../../sandbox/scenario/run.ts';
import { findProjectRoot, loadScenario } from '../../sandbox/scenario/schema.ts';

let r: RehearsalReport;
let completeLines: Record<string, unknown>[] = [];
let findingIds: string[] = [];

beforeAll(async () => {
  r = await runScenario({
    scenario: loadScenario(join(import.meta.dirname, 'fixtures/malformed.yaml')),
    projectRoot: findProjectRoot(),
    templateDir: inject('packagedDir'),
    inspect: (acct: SandboxAccount) => {
      completeLines = acct.logs.json('complete');
      findingIds = acct.bus
        .fates()
        .filter((f) => f.event.source === 'aws.config' && f.event.detail['resourceId'])
        .map((f) => f.event.id);
    },
  });
}, 300_000);

describe('metrics and alarms in a rehearsal', () => {
  it('a malformed event fires the rejected-events alarm, and nothing else fires', () => {
    expect(r.ops, 'the report has the ops section').toBeDefined();
    expect(r.ops!.fired).toEqual(['ssm-remediator-sandbox-RejectedEventsQueue-depth']);
    expect(r.ops!.alarms.length).toBeGreaterThanOrEqual(20);
    expect(renderReport(r)).toMatch(/^Alarms fired +1 of \d+/m);
  });

  it('the metrics the functions wrote add up to what happened', () => {
    expect(r.ops!.metrics).toMatchObject({
      Findings: 2,
      ExecutionsStarted: 2,
      ExecutionsSucceeded: 2,
      Outcomes: 5,
    });
    expect(r.ops!.metrics['DecisionLatency']).toBeGreaterThanOrEqual(0);
    expect(r.ops!.metrics['HeldWork']).toBe(0);
  });

  it("complete's lines: correlation_id is the completion event, findingEventId the finding, never mixed", () => {
    const outcomes = completeLines.filter((l) => l['message'] === 'outcome');
    expect(outcomes.length).toBeGreaterThanOrEqual(1);
    for (const l of outcomes) {
      expect(findingIds).toContain(l['findingEventId']);
      expect(l['correlation_id']).toEqual(expect.any(String));
      expect(l['correlation_id']).not.toBe(l['findingEventId']);
    }
    // No line uses `eventId`: one meaning per key.
    expect(completeLines.filter((l) => 'eventId' in l)).toEqual([]);
  });
});
