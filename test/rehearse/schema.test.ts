import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import entries from 'virtual:runbooks';
import { editDistance, nearest } from '../../sandbox/scenario/nearest.ts';
import { describeModes, projectRemediations, runModes } from '../../sandbox/scenario/runbooks.ts';
import {
  defaultScenarioPath,
  findProjectRoot,
  loadScenario,
  parseDuration,
  parseScenario,
  ScenarioError,
} from '../../sandbox/scenario/schema.ts';
import { planWorld } from '../../sandbox/scenario/world.ts';

const root = findProjectRoot();
const minimal = 'name: t\nclock: { duration: 1h }\n';

function problem(yaml: string): string {
  try {
    parseScenario(yaml, 'bad.yaml');
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario schema', () => {
  it('reads the built-in default and the commented example', () => {
    const d = loadScenario(defaultScenarioPath(root));
    expect(d.fleet.count).toBe(300);
    expect(d.calendars.some((c) => c.default)).toBe(true);
    const example = loadScenario(join(root, 'docs/scenario-example.yaml'));
    expect(example.name).toBeTruthy();
  });

  it('fills defaults and turns durations into ms', () => {
    const s = parseScenario(minimal);
    expect(s.clock.duration).toBe(3_600_000);
    expect(s.seed).toBe(1);
    expect(s.bus).toEqual({ drop: 0, duplicate: 0 });
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(90)).toBe(90_000);
  });

  it('names the field at fault', () => {
    expect(problem(minimal + 'fleet: { count: -3 }\n')).toMatch(/^bad\.yaml: fleet\.count: /);
    expect(
      problem(
        minimal +
          'findings:\n  - { rule: restricted-ssh, resourceType: AWS::EC2::SecurityGroup, count: 2, at: soon }\n',
      ),
    ).toBe('bad.yaml: findings[0].at: expected a duration like 90s, 45m, 2h or 1h30m');
    expect(problem(minimal + 'calendars: [{ name: x!, events: [] }]\n')).toMatch(/calendars\[0\]\.name: /);
    expect(problem(minimal + 'bus: { drop: 2 }\n')).toMatch(/bus\.drop: /);
    expect(problem('name: t\n')).toBe('bad.yaml: (top level): `clock` is missing');
    expect(problem(minimal + 'throttling: { StartAutomationExecution: { rps: 5 } }\n')).toBe(
      'bad.yaml: throttling.StartAutomationExecution: expected "service:Operation"',
    );
    expect(problem('name: [unclosed\n')).toMatch(/^bad\.yaml: line \d+: /);
  });

  it('names an unknown key, where it is and the nearest valid one, before what it makes missing', () => {
    const finding = (fields: string) =>
      `${minimal}findings:\n  - { resourceType: AWS::EC2::SecurityGroup, count: 2, ${fields} }\n`;
    expect(problem(finding('rlue: restricted-ssh, at: 1m'))).toBe(
      'bad.yaml: findings[0]: unknown key `rlue` (did you mean `rule`?)',
    );
    expect(problem(finding('at: 1m'))).toBe('bad.yaml: findings[0]: `rule` is missing');
    expect(problem(minimal + 'fleet: { cuont: 3 }\n')).toBe(
      'bad.yaml: fleet: unknown key `cuont` (did you mean `count`?)',
    );
    expect(problem('name: t\nclokc: { duration: 1h }\n')).toBe(
      'bad.yaml: (top level): unknown key `clokc` (did you mean `clock`?)',
    );
    // Inside a union (`at` is a moment or a { from, to } spread) and deep in a list.
    expect(problem(finding('rule: restricted-ssh, at: { from: 1m, too: 2m }'))).toBe(
      'bad.yaml: findings[0].at: unknown key `too` (did you mean `to`?)',
    );
    expect(problem(minimal + 'automation: { outcomes: [{ outcome: Failed, tiems: 1 }] }\n')).toBe(
      'bad.yaml: automation.outcomes[0]: unknown key `tiems` (did you mean `times`?)',
    );
    expect(problem(minimal + 'wibble: 1\n')).toBe('bad.yaml: (top level): unknown key `wibble`');
  });

  it('names an unknown remediation or Config rule, with the nearest one src/runbooks/ has', () => {
    expect(problem(minimal + 'modes:\n  - { remediation: patch-baseline-instal, mode: auto }\n')).toBe(
      'bad.yaml: modes[0].remediation: unknown remediation `patch-baseline-instal` (did you mean `patch-baseline-install`?)',
    );
    expect(problem(minimal + 'modes:\n  - { remediation: zzz, mode: auto }\n')).toMatch(
      /^bad\.yaml: modes\[0\]\.remediation: unknown remediation `zzz` \(known: agent-reboot, .*restricted-ssh/,
    );
    expect(
      problem(
        minimal +
          'findings:\n  - { rule: restricted-shh, resourceType: AWS::EC2::SecurityGroup, count: 2, at: 1m }\n',
      ),
    ).toBe(
      'bad.yaml: findings[0].rule: unknown rule `restricted-shh`: no remediation answers it (did you mean `restricted-ssh`?)',
    );
    expect(
      problem(
        minimal +
          'findings:\n  - { rule: restricted-ssh, resourceType: AWS::S3::Bucket, count: 2, at: 1m }\n',
      ),
    ).toBe(
      'bad.yaml: findings[0].resourceType: the remediation for `restricted-ssh` acts on AWS::EC2::SecurityGroup, not AWS::S3::Bucket',
    );
    // The names come from src/runbooks/: the same ids the registry has.
    const ids = projectRemediations(root).map((r) => r.id);
    expect(ids).toEqual(entries.map((e) => e.remediation.id).sort());
    const custom = { remediations: ['only-this'], rules: ['only-rule'] };
    expect(() =>
      parseScenario(minimal + 'modes: [{ remediation: only-this, mode: off }]\n', 'x', custom),
    ).not.toThrow();
  });

  it('edit distance and the nearest name', () => {
    expect(editDistance('rlue', 'rule')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearest('cuont', ['count', 'platforms', 'tags'])).toBe('count');
    expect(nearest('wibble', ['count', 'platforms', 'tags'])).toBeUndefined();
  });

  it('the built-in day sets its own modes so every trigger family acts; production defaults stay', () => {
    const d = loadScenario(defaultScenarioPath(root));
    const modes = runModes(projectRemediations(root), d.modes);
    expect(modes['patch-baseline-install']).toEqual({ mode: 'auto', from: 'scenario', changes: [] });
    expect(modes['agent-troubleshoot']?.mode).toBe('auto');
    expect(modes['restricted-ssh']).toEqual({ mode: 'auto', from: 'default', changes: [] });
    const byId = new Map(entries.map((e) => [e.remediation.id, e.remediation]));
    expect(byId.get('patch-baseline-install')?.defaultMode).toBe('shadow');
    // Each trigger family has a remediation in auto for the day.
    const families = new Set(
      Object.entries(modes)
        .filter(([, m]) => m.mode === 'auto')
        .map(([id]) => byId.get(id)?.trigger),
    );
    expect([...families].sort()).toEqual(['agent.disconnected', 'config.noncompliant', 'patch.failed']);
    const later = runModes(projectRemediations(root), [
      { remediation: 'restricted-ssh', mode: 'shadow', at: 0 },
      { remediation: 'restricted-ssh', mode: 'auto', at: 7_200_000 },
    ]);
    expect(later['restricted-ssh']).toEqual({
      mode: 'shadow',
      from: 'scenario',
      changes: [{ atMs: 7_200_000, mode: 'auto' }],
    });
    expect(describeModes(later)).toMatch(/shadow: .*restricted-ssh\* → auto/);
  });

  it('plans the same world from the same seed', () => {
    const s = loadScenario(defaultScenarioPath(root));
    const a = planWorld(s, new Date(0));
    const b = planWorld(s, new Date(0));
    expect(a.instances.map((i) => i.id)).toEqual(b.instances.map((i) => i.id));
    expect(a.instances).toHaveLength(300);
    expect(a.instances.filter((i) => i.platform === 'Windows')).toHaveLength(60);
    expect(a.patchWindows[0]!.failed).toHaveLength(120);
    expect(a.findings.filter((f) => f.duplicateAt !== undefined)).toHaveLength(14);
    expect(a.dropOffs[0]!.instances).toHaveLength(5);
    expect(a.dropOffs[0]!.returning).toHaveLength(2);
    expect(readFileSync(defaultScenarioPath(root), 'utf8')).toContain('prod-change-freeze');
  });
});
