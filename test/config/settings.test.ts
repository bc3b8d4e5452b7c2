/**
 * One home per setting (src/settings.ts): serverless.yml and docs/operating.md say what the table says,
 * every stage's values parse, and the Lambda side (src/config.ts) has the same defaults.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config.ts';
import { SETTING_LIST, SETTINGS, settingProblems } from '../../src/settings.ts';
import { generatedOperatingMd, generatedServerlessYml } from '../../scripts/settings.ts';

const root = resolve(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(resolve(root, f), 'utf8');
const yml = read('serverless.yml');
// CloudFormation short forms (!Ref, !GetAtt, !Sub) as plain tagged values.
const config = parseYaml(yml, {
  customTags: ['Ref', 'GetAtt', 'Sub'].map((tag) => ({
    tag: `!${tag}`,
    resolve: (s: string) => ({ [tag]: s }),
  })),
}) as {
  params: Record<string, Record<string, unknown>>;
  custom: { settings: Record<string, string> };
  provider: { environment: Record<string, unknown> };
  functions: Record<string, { environment?: Record<string, unknown> }>;
};

describe('serverless.yml and the docs are generated from src/settings.ts', () => {
  test('serverless.yml regions are up to date (npx tsx scripts/settings.ts --write)', () => {
    expect(generatedServerlessYml(yml)).toBe(yml);
  });

  test('docs/operating.md "Settings" is up to date', async () => {
    const md = read('docs/operating.md');
    expect(await generatedOperatingMd(md)).toBe(md);
    for (const x of SETTING_LIST) expect(md).toContain(`\`${x.param}\``);
  });

  test('a changed default or a hand edit makes the check fail', () => {
    const edited = yml.replace("budgetPerHour: '50'", "budgetPerHour: '51'");
    expect(edited).not.toBe(yml);
    expect(generatedServerlessYml(edited)).toBe(yml);
  });

  test('every setting has a default param, and every variable reaches its functions', () => {
    expect(Object.keys(config.params['default']!).sort()).toEqual(SETTING_LIST.map((x) => x.param).sort());
    expect(Object.keys(config.custom.settings).sort()).toEqual(SETTING_LIST.map((x) => x.param).sort());
    for (const x of SETTING_LIST.filter((s) => s.env)) {
      const where = x.functions
        ? x.functions.map((f) => config.functions[f]?.environment ?? {})
        : [config.provider.environment];
      for (const env of where) expect(env[x.env!], x.param).toBe(`\${param:${x.param}}`);
    }
  });

  test('every ${param:…} serverless.yml reads is a setting', () => {
    const used = [...yml.matchAll(/\$\{param:(\w+)\}/g)].map((m) => m[1]!);
    const unknown = used.filter((p) => !(p in SETTINGS));
    expect(unknown).toEqual([]);
  });
});

describe('stages', () => {
  test("every stage's overrides name settings it may override, and parse", () => {
    const { default: defaults, ...stages } = config.params;
    expect(settingProblems(defaults!)).toEqual([]);
    expect(Object.keys(stages)).toContain('sandbox');
    for (const [stage, values] of Object.entries(stages)) {
      expect(settingProblems({ ...defaults, ...values }, stage), stage).toEqual([]);
    }
  });

  test('a value that does not parse, or an unknown name, is named', () => {
    expect(settingProblems({ budgetPerHour: 'lots', automationConcurrentShare: '1.5', nope: '1' })).toEqual([
      'budgetPerHour: "lots": Invalid input: expected number, received NaN',
      expect.stringMatching(/^automationConcurrentShare: "1\.5": /),
      'nope: not a setting (src/settings.ts)',
    ]);
    // Still holding a variable: judged once resolved.
    expect(settingProblems({ slackWebhookParam: '/a/${sls:stage}/b' })).toEqual([]);
  });

  test('a per-remediation approvalTimeout that is not a duration is named, not read as the 1 h default', () => {
    const of = (t: string) =>
      settingProblems({ remediationSettings: JSON.stringify({ 'restricted-ssh': { approvalTimeout: t } }) });
    expect(of('30m')).toEqual([]);
    expect(of('1h30m')).toEqual([]);
    expect(of('1 hour')).toEqual([
      expect.stringMatching(/^remediationSettings: .*approvalTimeout a duration like 30m/),
    ]);
  });
});

describe('the Lambda side reads the same table', () => {
  const wiring = {
    STAGE: 'dev',
    RESULTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
    SWITCHES_PREFIX: '/ssm-remediator/dev',
    LEDGER_TABLE: 'ledger',
    DEAD_LETTER_QUEUE_URL: 'https://sqs/q',
  };

  test("an absent variable takes the setting's default (the Lambda and the stage agree)", () => {
    const absent = loadConfig(wiring).env as Record<string, unknown>;
    // slackWebhookParam: a stage names /ssm-remediator/<stage>/…; a function without the variable posts nowhere.
    // slackSigningSecretParam likewise: only approvalCallback gets it; without it, it refuses every click (503).
    // slackBotTokenParam too: without it, a click that needs a user group's members is refused (503).
    const named = new Set(['slackWebhookParam', 'slackSigningSecretParam', 'slackBotTokenParam']);
    for (const x of SETTING_LIST.filter((s) => s.env && !named.has(s.param))) {
      const fromStage = (
        loadConfig({ ...wiring, [x.env!]: String(x.default) }).env as Record<string, unknown>
      )[x.env!];
      expect(absent[x.env!], x.param).toEqual(fromStage);
    }
  });

  test('a stage value reaches the config, and a bad one fails naming the variable', () => {
    expect(loadConfig({ ...wiring, SWITCHES_CACHE_SECONDS: '0' }).env.SWITCHES_CACHE_SECONDS).toBe(0);
    expect(() => loadConfig({ ...wiring, AGENT_SWEEP_RPS: '-1' })).toThrow(/AGENT_SWEEP_RPS/);
  });
});

describe('sandbox scenarios', () => {
  test("a scenario's params are checked against the same table", async () => {
    const { parseScenario } = await import('../../sandbox/scenario/schema.ts');
    const example = read('docs/scenario-example.yaml');
    expect(example).toContain("budgetPerHour: '200'");
    expect(parseScenario(example, 'example').params).toEqual({ budgetPerHour: '200' });
    expect(() => parseScenario(example.replace('budgetPerHour:', 'budgetPerHuor:'), 'x')).toThrow(
      /budgetPerHuor: not a setting/,
    );
    expect(() =>
      parseScenario(example.replace("budgetPerHour: '200'", "budgetPerHour: 'lots'"), 'x'),
    ).toThrow(/budgetPerHour: "lots"/);
  });
});
