import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    expect(problem(minimal + 'fleet: { cuont: 3 }\n')).toMatch(/^bad\.yaml: fleet\.cuont: unknown field/);
    expect(
      problem(
        minimal +
          'findings:\n  - { rule: restricted-ssh, resourceType: AWS::EC2::SecurityGroup, count: 2, at: soon }\n',
      ),
    ).toMatch(/findings\.0\.at: /);
    expect(problem(minimal + 'calendars: [{ name: x!, events: [] }]\n')).toMatch(/calendars\.0\.name: /);
    expect(problem(minimal + 'bus: { drop: 2 }\n')).toMatch(/bus\.drop: /);
    expect(problem('name: t\n')).toMatch(/clock: /);
    expect(problem(minimal + 'throttling: { StartAutomationExecution: { rps: 5 } }\n')).toMatch(
      /throttling\.StartAutomationExecution: /,
    );
    expect(problem('name: [unclosed\n')).toMatch(/^bad\.yaml: line \d+: /);
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
