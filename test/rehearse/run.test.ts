/**
 * The rehearsal end to end: the real runner, the real sandbox account, the service packaged once and
 * deployed for each run. A small day (3 security groups, one announced twice, one found during a
 * freeze) and the same day on a bus that drops half its events.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { passed, renderReport, type RehearsalReport } from '../../sandbox/scenario/report.ts';
import { runScenario } from '../../sandbox/scenario/run.ts';
import { copyProject, packageService } from '../../sandbox/template.ts';
import { findProjectRoot, loadScenario, parseScenario } from '../../sandbox/scenario/schema.ts';
import { rehearseCommand } from '../../src/cli/rehearse.ts';

const root = findProjectRoot();
const small = join(import.meta.dirname, 'fixtures/small.yaml');
const outage = join(import.meta.dirname, 'fixtures/calendar-outage.yaml');
let templateDir: string;
let out: string;

beforeAll(() => {
  // The package the suite's global setup made (stage sandbox), shared with the integration tests.
  templateDir = inject('packagedDir');
  out = mkdtempSync(join(tmpdir(), 'rehearse-test-'));
});

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

describe('remediator rehearse', () => {
  it('runs a small day: one execution per finding, the duplicate skipped, the frozen one released', async () => {
    const said: string[] = [];
    const json = join(out, 'nested/dir/report.json');
    const code = await rehearseCommand(['--scenario', small, '--json', json, '--template-dir', templateDir], {
      out: (s) => said.push(s),
      err: (s) => said.push(s),
      env: {},
    });
    expect(code, said.join('\n')).toBe(0);
    const r = JSON.parse(readFileSync(json, 'utf8')) as RehearsalReport;
    for (const k of ['events', 'outcomes', 'executions', 'lost', 'duplicateExecutions'] as const)
      expect(r).toHaveProperty(k);
    // The scenario sets no modes: every remediation ran in its production default, and the report says so.
    expect(r.modes['restricted-ssh']).toEqual({ mode: 'auto', from: 'default', changes: [] });
    expect(r.modes['patch-baseline-install']).toEqual({ mode: 'shadow', from: 'default', changes: [] });
    expect(said.join('\n')).toMatch(/^Modes +auto: .*restricted-ssh.*; shadow: .*patch-baseline-install/m);

    // 3 security groups, 1 announced twice: the scenario put 4 Config NON_COMPLIANT events.
    expect(r.events.byOrigin['scenario']).toBe(4);
    expect(r.findings.unique).toBeGreaterThanOrEqual(3);
    // Exactly one execution per distinct finding.
    expect(r.executions.byRemediation).toEqual({ 'restricted-ssh': 3 });
    expect(r.outcomes.byCode['duplicate']).toBe(1);
    // The one found during the freeze was deferred, then released and started.
    expect(r.deferred.total).toBe(1);
    expect(r.deferred.released).toBe(1);
    expect(r.deferred.releasedAs).toEqual({ started: 1 });
    expect(r.lost).toBe(0);
    expect(r.duplicateExecutions).toBe(0);
    // Judged from the world: the three groups are COMPLIANT in Config at the end.
    expect(r.convergence).toMatchObject({ findings: 3, fixed: 3, dropped: 0, pending: 0 });
    expect(said.join('\n')).toMatch(/^PASS: every finding fixed/m);
  }, 60_000);

  it('holds work through a GetCalendarState outage: every finding fixed once the calendar answers', async () => {
    const scenario = loadScenario(outage);
    const r = await runScenario({ scenario, projectRoot: root, templateDir });
    expect(r.outcomes.byCode['gate-unreadable']).toBeGreaterThan(0);
    expect(r.convergence).toMatchObject({ findings: 2, fixed: 2, dropped: 0, pending: 0 });
    expect(r.executions.started).toBe(2);
    expect(r.duplicateExecutions).toBe(0);
    expect(passed(r)).toBe(true);
  }, 60_000);

  it('fails a day on a service build that forgets gate-unreadable work: the world shows it dropped', async () => {
    // The same day against a build whose engine keeps no hold for an unreadable gate (the service as
    // it was before issue 11): every finding still has a `deferred` log line, so the log-based `lost`
    // sees nothing wrong; the world shows both findings dropped.
    const copy = copyProject(root);
    const hold = join(copy, 'src/model/types.ts'); // HOLD_CODES: the reasons work is held
    const source = readFileSync(hold, 'utf8');
    // Drops 'gate-unreadable' from HOLD_CODES (however the list is wrapped).
    const forgetful = source.replace(/(export const HOLD_CODES = \[[^\]]*?)'gate-unreadable',\s*/, '$1');
    expect(forgetful).not.toBe(source);
    writeFileSync(hold, forgetful);
    try {
      const broken = await packageService({ projectRoot: copy, stage: 'sandbox', region: 'us-east-1' });
      const r = await runScenario({ scenario: loadScenario(outage), projectRoot: root, templateDir: broken });
      expect(r.lost).toBe(0);
      expect(r.outcomes.byCode['gate-unreadable']).toBeGreaterThan(0);
      expect(r.convergence.dropped).toBe(2);
      expect(r.convergence.items.filter((i) => i.state === 'dropped')).toEqual([
        expect.objectContaining({
          trigger: 'config:restricted-ssh',
          why: 'never announced, and nothing holds it',
        }),
        expect.objectContaining({
          trigger: 'config:restricted-ssh',
          why: 'never announced, and nothing holds it',
        }),
      ]);
      expect(passed(r)).toBe(false);
      expect(renderReport(r)).toMatch(/FAIL: 2 finding\(s\) dropped/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 180_000);

  it('counts findings whose every event the bus dropped as undelivered, not dropped by the service', async () => {
    const scenario = loadScenario(small);
    scenario.bus.drop = 0.5;
    scenario.seed = 3;
    const r = await runScenario({ scenario, projectRoot: root, templateDir });
    expect(r.dropped).toBeGreaterThan(0);
    expect(r.lost).toBe(0);
    expect(r.duplicateExecutions).toBe(0);
    // Every finding event either reached the service or was dropped on the way.
    expect(r.findings.delivered + r.dropped + r.findings.unrouted).toBe(r.findings.total);
    expect(r.executions.started).toBeLessThanOrEqual(3);
    expect(r.convergence.dropped).toBe(0);
    expect(r.convergence.undelivered).toBeGreaterThan(0);
    expect(r.convergence.fixed + r.convergence.undelivered).toBe(r.convergence.findings);
  }, 60_000);

  it('delivers every Config event exactly three times: still one execution per finding', async () => {
    const scenario = loadScenario(small);
    scenario.bus.deliveries = 3;
    scenario.bus.detailType = 'Config Rules Compliance Change';
    const r = await runScenario({ scenario, projectRoot: root, templateDir });
    // Every Config event (the scenario's and Config's own re-evaluations) got two redeliveries.
    const config = r.events.byDetailType['Config Rules Compliance Change']!;
    expect(r.redelivered).toBe(2 * config);
    expect(r.executions.byRemediation).toEqual({ 'restricted-ssh': 3 });
    expect(r.duplicateExecutions).toBe(0);
    expect(r.convergence).toMatchObject({ fixed: 3, dropped: 0 });
  }, 60_000);

  it('drops every automation completion event: the reconcile sweep still closes each execution', async () => {
    const scenario = loadScenario(small);
    scenario.bus.drop = 1;
    scenario.bus.detailType = 'EC2 Automation Execution Status-change Notification';
    const r = await runScenario({ scenario, projectRoot: root, templateDir });
    expect(r.dropped).toBe(0); // no finding event was dropped, only completions
    expect(r.executions.byRemediation).toEqual({ 'restricted-ssh': 3 });
    // The drain waits while the ledger still follows an execution; then all three are verified fixed.
    expect(r.outcomes.byCode['verified']).toBe(3);
    expect(r.convergence).toMatchObject({ fixed: 3, pending: 0, dropped: 0 });
  }, 60_000);

  it('a resource that is fixed, then drifts back, repeatedly: three runs, then the cooldown says so', async () => {
    const scenario = parseScenario(
      [
        'name: drift',
        'seed: 5',
        'clock: { duration: 2h, drain: 1h }',
        'findings:',
        '  - rule: restricted-ssh',
        '    resourceType: AWS::EC2::SecurityGroup',
        '    count: 1',
        '    at: 2m',
        '    drift: { every: 20m, times: 4 }',
      ].join('\n'),
    );
    const r = await runScenario({ scenario, projectRoot: root, templateDir });
    // Found, fixed, back at +20m and +40m (each fixed again); at +60m the loop guard (3 runs in 24 h)
    // stops it and the notice says why; no drift follows a resource that stays non-compliant.
    expect(r.events.byOrigin['scenario']).toBe(4);
    expect(r.executions.byRemediation).toEqual({ 'restricted-ssh': 3 });
    expect(r.outcomes.byCode['cooldown']).toBe(1);
    expect(r.convergence).toMatchObject({ findings: 1, excused: 1, excusedBy: { cooldown: 1 }, dropped: 0 });
  }, 60_000);

  it('rejects a bad scenario naming the field, before starting anything', async () => {
    const bad = join(out, 'bad.yaml');
    (await import('node:fs')).writeFileSync(bad, 'name: x\nclock: { duration: 1h, sped: 3 }\n');
    const err: string[] = [];
    const code = await rehearseCommand(['--scenario', bad], {
      out: () => undefined,
      err: (s) => err.push(s),
      env: {},
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/clock: unknown key `sped` \(did you mean `speed`\?\)/);
  });
});
