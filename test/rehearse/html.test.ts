/**
 * The HTML rehearsal report, checked in real headless Chromium (Debian's `chromium`, driven over the
 * DevTools protocol by test/helpers/chromium.ts): a real small rehearsal's page, and a failing
 * report with sections the renderer does not know. What the browser shows is compared with the
 * report JSON embedded in the page and with the `--json` file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { renderHtml } from '../../sandbox/scenario/html.ts';
import {
  buildReport,
  passed,
  scenarioWindows,
  type ReportInput,
  type RehearsalReport,
} from '../../sandbox/scenario/report.ts';
import { parseScenario } from '../../sandbox/scenario/schema.ts';
import type { BusEvent } from '../../sandbox/types.ts';
import { rehearseCommand } from '../../src/cli/rehearse.ts';
import { openPage } from '../helpers/chromium.ts';

const small = join(import.meta.dirname, 'fixtures/small.yaml');
let templateDir: string;
let out: string;

beforeAll(() => {
  templateDir = inject('packagedDir');
  out = mkdtempSync(join(tmpdir(), 'rehearse-html-'));
});

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

interface Seen {
  embedded: RehearsalReport;
  verdict: string;
  reason: string;
  paths: [string, string][];
  charts: { path: string; mode: string | null; bars: [string, number][] }[];
  rows: string[];
  groups: [string, number][];
  marks: Record<string, number>;
  windows: number;
  /** Top of each section, to check the order a reader meets them in. */
  tops: Record<string, number>;
  extras: string[];
}

/** Everything the test compares, read from the page as the browser drew it. */
const SEEN = `(() => {
  const all = (s, root = document) => [...root.querySelectorAll(s)];
  const marks = {};
  for (const k of ['finding', 'decision', 'deferred', 'execution', 'completion', 'notification'])
    marks[k] = all('#timeline-groups .mark-' + k).length;
  const tops = {};
  for (const id of ['verdict', 'problems', 'numbers', 'timeline', 'charts', 'api'])
    tops[id] = document.getElementById(id).getBoundingClientRect().top;
  return {
    embedded: JSON.parse(document.getElementById('report').textContent),
    verdict: document.querySelector('#verdict .big').textContent,
    reason: document.getElementById('verdict-reason').textContent,
    paths: all('[data-path]').map((e) => [e.getAttribute('data-path'), e.textContent]),
    charts: all('[data-chart]').map((e) => ({
      path: e.getAttribute('data-chart'),
      mode: e.getAttribute('data-mode'),
      bars: all('g.bar', e).map((b) => [b.getAttribute('data-key'), Number(b.getAttribute('data-value'))]),
    })),
    rows: all('#timeline-groups g.row text.res title').map((t) => t.textContent.split(':')[0]),
    groups: all('details.group').map((d) => [d.getAttribute('data-group'), Number(d.getAttribute('data-rows'))]),
    marks,
    windows: all('#timeline-axis g.window').length,
    tops,
    extras: all('section.extra').map((s) => s.id),
  };
})()`;

function valueAt(report: object, path: string): unknown {
  let v: unknown = report;
  for (const k of path.split('.'))
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** The total a chart must add up to: the map's values, or each service's calls. */
function chartTotal(report: object, path: string, mode: string | null): number {
  const v = valueAt(report, path) as Record<string, unknown>;
  let total = 0;
  for (const x of Object.values(v)) {
    if (typeof x === 'number') total += x;
    else if (mode === 'operations')
      total += Object.values((x as { byOperation: Record<string, number> }).byOperation).reduce(
        (a, b) => a + b,
        0,
      );
    else total += (x as { total: number }).total;
  }
  return total;
}

/** Every number and chart on the page equals the embedded report's; returns how many were checked. */
function expectCountsMatch(seen: Seen): void {
  expect(seen.paths.length).toBeGreaterThanOrEqual(15);
  for (const [path, text] of seen.paths) expect(Number(text), path).toBe(valueAt(seen.embedded, path));
  for (const c of seen.charts) {
    const total = chartTotal(seen.embedded, c.path, c.mode);
    expect(
      c.bars.reduce((n, [, v]) => n + v, 0),
      `${c.path} ${c.mode ?? ''}`,
    ).toBe(total);
    if (total > 0) expect(c.bars.length, c.path).toBeGreaterThan(0);
  }
}

async function look(
  html: string,
  name: string,
): Promise<{ seen: Seen; page: Awaited<ReturnType<typeof openPage>> }> {
  const file = join(out, name);
  writeFileSync(file, html);
  const page = await openPage(pathToFileURL(file).href);
  return { seen: await page.evaluate<Seen>(SEEN), page };
}

describe('the HTML rehearsal report, in Chromium', () => {
  it('shows a real rehearsal: verdict, timeline and charts drawn, every count equal to the JSON report', async () => {
    const said: string[] = [];
    const json = join(out, 'small.json');
    const html = join(out, 'pages/small.html');
    const code = await rehearseCommand(
      ['--scenario', small, '--json', json, '--html', html, '--template-dir', templateDir],
      { out: (s) => said.push(s), err: (s) => said.push(s), env: {} },
    );
    // The page shows whatever the day was (run.test.ts holds the day itself to PASS).
    const report = JSON.parse(readFileSync(json, 'utf8')) as RehearsalReport;
    expect(code, said.join('\n')).toBe(passed(report) ? 0 : 1);
    expect(said.join('\n')).toContain(`HTML report written to ${html}`);

    const page = await openPage(pathToFileURL(html).href);
    try {
      const seen = await page.evaluate<Seen>(SEEN);
      expect(page.errors).toEqual([]);
      // Self-contained: the page asked for nothing but itself.
      expect(page.requests).toEqual([pathToFileURL(html).href]);
      expect(seen.embedded).toEqual(report);
      expect(seen.verdict).toBe(passed(report) ? 'PASS' : 'FAIL');
      expectCountsMatch(seen);

      // The timeline: one row per (remediation, resource) of the report, each group as big as it says.
      const rows = report.timeline!.rows;
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(seen.rows.sort()).toEqual(rows.map((r) => r.resource).sort());
      expect(seen.groups.reduce((n, [, k]) => n + k, 0)).toBe(rows.length);
      for (const kind of Object.keys(seen.marks))
        expect(seen.marks[kind], kind).toBe(
          rows.flatMap((r) => r.marks).filter((m) => m.kind === kind).length,
        );
      // The small day is found, decided, executed and notified (whether the deferral and the
      // verification land in the run depends on how fast the machine is; equal counts checked above).
      for (const kind of ['finding', 'decision', 'execution', 'notification'])
        expect(seen.marks[kind], kind).toBeGreaterThan(0);
      // The marks are on one clock: found before decided, nothing after the end of the run.
      const end = Date.parse(report.sim.end) - Date.parse(report.sim.start);
      for (const r of rows) {
        const found = r.marks.find((m) => m.kind === 'finding');
        const decided = r.marks.find((m) => m.kind === 'decision' || m.kind === 'deferred');
        if (found && decided) expect(found.at, r.resource).toBeLessThanOrEqual(decided.at);
        for (const m of r.marks) expect(m.end ?? m.at).toBeLessThanOrEqual(end);
      }
      // Its one freeze is shaded on the axis.
      expect(report.windows).toEqual([
        { kind: 'freeze', label: 'prod-change-freeze: Change freeze', from: 25 * 60_000, to: 55 * 60_000 },
      ]);
      expect(seen.windows).toBe(1);
      // The charts are drawn: outcomes, executions and API calls.
      const bars = (path: string, mode?: string): number =>
        seen.charts.find((c) => c.path === path && (mode === undefined || c.mode === mode))?.bars.length ?? 0;
      expect(bars('outcomes.byOutcome')).toBeGreaterThan(0);
      expect(bars('executions.byRemediation')).toBe(1);
      expect(bars('apiCalls', 'totals')).toBe(Object.keys(report.apiCalls).length);
      expect(bars('apiCalls', 'operations')).toBeGreaterThan(0);

      // The filter box narrows the timeline to what matches.
      const one = rows[0]!.resource;
      const filtered = await page.evaluate<number>(`(() => {
        const f = document.getElementById('timeline-filter');
        f.value = ${JSON.stringify(one)};
        f.dispatchEvent(new Event('input'));
        return document.querySelectorAll('#timeline-groups g.row').length;
      })()`);
      expect(filtered).toBe(rows.filter((r) => r.resource.includes(one)).length);
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('puts a failing verdict and the failures first, and shows sections it does not know', async () => {
    const report = {
      ...buildReport(failingDay()),
      modes: { 'restricted-ssh': { mode: 'auto' as const, from: 'scenario' as const, changes: [] } },
    };
    expect(passed(report)).toBe(false);
    const { seen, page } = await look(renderHtml(report), 'failing.html');
    try {
      expect(page.errors).toEqual([]);
      expect(seen.verdict).toBe('FAIL');
      expect(seen.reason).toBe(
        '1 finding(s) dropped: not fixed, not excused, not held by the service (convergence.items); 1 duplicate execution(s)',
      );
      expectCountsMatch(seen);
      // A reader meets the verdict, then what went wrong, then the numbers, the timeline and the charts.
      const t = seen.tops;
      expect(t['verdict']).toBeLessThan(t['problems']!);
      expect(t['problems']).toBeLessThan(t['numbers']!);
      expect(t['numbers']).toBeLessThan(t['timeline']!);
      expect(t['timeline']).toBeLessThan(t['charts']!);
      const problems = await page.evaluate<string>(`document.getElementById('problems').textContent`);
      expect(problems).toContain('Automation AWS-DisablePublicAccessForSecurityGroup ended Failed');
      expect(problems).toContain('sg-lost');
      expect(problems).toContain('exec-1, exec-2');
      // The lost finding is a problem row of its own, drawn in red under "(no outcome)".
      expect(seen.groups).toContainEqual(['(no outcome)', 1]);
      expect(seen.rows).toContain('sg-lost');
      // Unknown sections are shown, their numbers and maps checked like the rest.
      expect(seen.extras).toEqual(['section-convergence', 'section-modes']);
      expect(seen.paths.map(([p]) => p)).toContain('convergence.fixed');
      expect(seen.charts.map((c) => c.path)).toContain('convergence.excusedBy');
    } finally {
      await page.close();
    }
  }, 30_000);

  it('renders a report without timeline or windows (older JSON), taking the windows from the scenario', async () => {
    const { timeline: _t, windows: _w, ...old } = buildReport(failingDay());
    const scenario = parseScenario(
      [
        'name: old',
        'clock: { duration: 2h }',
        'calendars: [{ name: change-window, type: DEFAULT_CLOSED, events: [{ from: 30m, to: 1h }] }]',
        "killSwitch: [{ at: 1h10m, state: 'on' }, { at: 1h20m, state: 'off' }]",
        'slackDown: [{ from: 10m, to: 20m }]',
        "faults: [{ target: 'ssm:GetCalendarState', errorRate: 0.1 }]",
      ].join('\n'),
    );
    const { seen, page } = await look(renderHtml(old as RehearsalReport, scenario), 'old.html');
    try {
      expect(page.errors).toEqual([]);
      expectCountsMatch(seen);
      expect(seen.rows).toEqual([]);
      expect(seen.windows).toBe(5);
      expect(seen.embedded.windows).toEqual(scenarioWindows(scenario));
    } finally {
      await page.close();
    }
  }, 30_000);
});

describe('the report data behind the page', () => {
  it("puts a summary notification that names no remediation (the patch fan-out's) on the resources' rows", () => {
    const day = failingDay();
    const at = Date.parse(day.sim.start) + 60 * 60_000;
    day.lines.push({
      kind: 'decision',
      seq: 3,
      remediation: 'patch-baseline-install',
      resourceId: 'i-1',
      outcome: 'skipped',
      code: 'shadow',
      at,
    });
    day.sns.push({
      message: JSON.stringify({
        remediation: null,
        resource: { id: null },
        outcome: 'skipped',
        outcomes: [{ resourceId: 'i-1' }],
      }),
      at: at + 1000,
    });
    const rows = buildReport(day).timeline!.rows;
    const patch = rows.find((r) => r.resource === 'i-1');
    expect(patch?.remediation).toBe('patch-baseline-install');
    expect(patch?.marks.map((m) => [m.kind, m.label])).toEqual([
      ['decision', 'skipped (shadow)'],
      ['notification', 'SNS: skipped'],
    ]);
    expect(rows.filter((r) => r.remediation === '(none)')).toEqual([]);
    // The deferred finding's row tells its story in order, and the lost one is a problem of its own.
    expect(rows.find((r) => r.resource === 'sg-1')?.marks.map((m) => m.kind)).toEqual([
      'finding',
      'deferred',
      'decision',
      'execution',
      'execution',
      'completion',
      'notification',
    ]);
    expect(rows.find((r) => r.resource === 'sg-lost')).toMatchObject({
      remediation: '(no outcome)',
      last: 'lost',
      problem: true,
    });
  });

  it('shades a DEFAULT_CLOSED calendar outside its open windows, and the kill switch from on to off', () => {
    const s = parseScenario(
      [
        'name: w',
        'clock: { duration: 3h }',
        'calendars: [{ name: change-window, type: DEFAULT_CLOSED, events: [{ from: 1h, to: 2h }] }]',
        "killSwitch: [{ at: 30m, state: 'on' }, { at: 40m, state: 'off' }, { at: 2h30m, state: 'on' }]",
        "faults: [{ target: 'sns:Publish', errorRate: 0.5, from: 1h, to: 1h30m }]",
      ].join('\n'),
    );
    const h = 3_600_000;
    expect(scenarioWindows(s)).toEqual([
      { kind: 'freeze', label: 'change-window: closed', from: 0, to: h },
      { kind: 'freeze', label: 'change-window: closed', from: 2 * h },
      { kind: 'fault', label: 'fault sns:Publish (50 %)', from: h, to: 1.5 * h },
      { kind: 'kill-switch', label: 'kill switch on', from: 30 * 60_000, to: 40 * 60_000 },
      { kind: 'kill-switch', label: 'kill switch on', from: 2.5 * h },
    ]);
  });
});

/** A two-hour day: one finding fixed late by a failed run executed twice, one lost, one notified. */
function failingDay(): ReportInput {
  const start = Date.parse('2026-01-05T08:00:00Z');
  const min = 60_000;
  const finding = (id: string, resourceId: string, at: number): BusEvent => ({
    version: '0',
    id,
    'detail-type': 'Config Rules Compliance Change',
    source: 'aws.config',
    account: '123456789012',
    time: new Date(start + at).toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {
      resourceId,
      resourceType: 'AWS::EC2::SecurityGroup',
      configRuleName: 'restricted-ssh',
      newEvaluationResult: {
        complianceType: 'NON_COMPLIANT',
        evaluationResultIdentifier: { orderingTimestamp: new Date(start + at).toISOString() },
      },
    },
  });
  const fate = (e: BusEvent) => ({
    event: e,
    targets: ['remediate'],
    dropped: false,
    pending: false,
    duplicated: 0,
    origin: 'scenario',
  });
  const reason = 'Automation AWS-DisablePublicAccessForSecurityGroup ended Failed: step failed';
  return {
    scenario: 'failing day',
    seed: 1,
    wallSeconds: 3,
    convergence: {
      findings: 4,
      fixed: 1,
      excused: 1,
      pending: 1,
      dropped: 1,
      undelivered: 0,
      excusedBy: { 'execution-failed': 1 },
      items: [
        {
          trigger: 'config.noncompliant',
          resource: 'sg-lost',
          state: 'dropped',
          why: 'no outcome, nothing holds it',
        },
        {
          trigger: 'config.noncompliant',
          resource: 'sg-2',
          state: 'pending',
          why: 'ledger deferral',
          code: 'calendar-closed',
        },
      ],
    },
    sim: {
      start: new Date(start).toISOString(),
      end: new Date(start + 120 * min).toISOString(),
      hours: 2,
      speed: 600,
    },
    fates: [fate(finding('ev-1', 'sg-1', 5 * min)), fate(finding('ev-lost', 'sg-lost', 50 * min))],
    lines: [
      {
        kind: 'decision',
        seq: 0,
        eventId: 'ev-1',
        remediation: 'restricted-ssh',
        resourceId: 'sg-1',
        outcome: 'deferred',
        code: 'calendar-closed',
        at: start + 6 * min,
      },
      {
        kind: 'outcome',
        seq: 1,
        eventId: 'ev-1',
        remediation: 'restricted-ssh',
        resourceId: 'sg-1',
        outcome: 'started',
        executionId: 'exec-1',
        at: start + 40 * min,
      },
      {
        kind: 'outcome',
        seq: 2,
        eventId: 'ev-1',
        remediation: 'restricted-ssh',
        resourceId: 'sg-1',
        outcome: 'failed',
        code: 'execution-failed',
        reason,
        at: start + 45 * min,
      },
    ],
    executions: ['exec-1', 'exec-2'].map((id, i) => ({
      id,
      kind: 'automation' as const,
      document: 'AWS-DisablePublicAccessForSecurityGroup',
      status: 'Failed',
      remediation: 'restricted-ssh',
      resources: ['sg-1'],
      eventId: 'ev-1',
      startedAt: start + (40 + i) * min,
      endedAt: start + (43 + i) * min,
    })),
    scenarioExecutions: 0,
    slack: [{ text: 'FAILED restricted-ssh sg-1' }],
    slackSamples: 1,
    sns: [
      {
        message: JSON.stringify({
          remediation: 'restricted-ssh',
          resource: { id: 'sg-1' },
          outcome: 'failed',
          title: 'Close SSH',
        }),
        at: start + 46 * min,
      },
    ],
    apiCalls: { ssm: { total: 3, byOperation: { StartAutomationExecution: 2, GetCalendarState: 1 } } },
  };
}
