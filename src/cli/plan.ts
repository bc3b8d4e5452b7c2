/** `remediator plan <event.json>`: what the service would decide, with no AWS call. */
import { readFileSync } from 'node:fs';
import { dryRun, type DryRunFacts } from '../core/dry-run.ts';
import { EXAMPLE_STAGE_CALENDARS } from '../core/facts.ts';
import type { Registry } from '../core/registry.ts';
import { MODES } from '../model/types.ts';
import { parseCommand, usageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const PLAN = {
  name: 'plan',
  brief: 'what the service would decide for an event, with no AWS call',
  args: '<event.json>',
  positionals: { min: 1, max: 1 },
  summary:
    'What the service would decide for one EventBridge event (a file), with no AWS call. Facts the\n' +
    'service would read from AWS (calendar, mode, tags, ledger) come from the options below.',
  options: {
    json: { type: 'boolean', help: 'print the plan as JSON' },
    calendar: { type: 'string', choices: ['OPEN', 'CLOSED'], help: 'change calendar state (default OPEN)' },
    'next-transition': { type: 'string', value: 'ISO', help: "the calendar's next transition time" },
    'default-calendars': {
      type: 'string',
      value: 'NAMES',
      help: `the stage's default calendars, comma-separated ('' = none; default ${EXAMPLE_STAGE_CALENDARS.join(',')})`,
    },
    mode: { type: 'string', choices: MODES, help: "the remediation's mode (default: its defaultMode)" },
    'kill-switch': { type: 'string', choices: ['on', 'off'], help: 'the kill switch (default off)' },
    tag: { type: 'string', value: 'KEY=VALUE', multiple: true, help: 'a tag on the resource' },
    ping: {
      type: 'string',
      choices: ['Online', 'ConnectionLost'],
      help: "the instance's SSM agent ping status",
    },
    'recent-runs': {
      type: 'integer',
      value: 'N',
      min: 0,
      help: 'runs on this resource in the cooldown window',
    },
    'failed-association': {
      type: 'string',
      value: 'ID',
      multiple: true,
      help: "an association SSM reports Failed on the instance (association events; default: the event's own)",
    },
    'last-run': {
      type: 'string',
      value: 'ISO',
      help: 'when this remediation last started on the resource (association events: failed again after it?)',
    },
    'started-last-hour': { type: 'integer', value: 'N', min: 0, help: 'executions started in the last hour' },
    'breaker-open': { type: 'boolean', help: 'the circuit breaker is open' },
  },
  more: [
    'An event that is valid but not a finding (a calendar change, a status change, a COMPLIANT',
    'evaluation) prints "ignored: not a finding (<detail-type>)" and exits 0; a malformed event exits 1',
    'naming the field, and so does an event every matching remediation rejects (a resource id of the',
    'wrong shape). Example:',
    '  remediator plan examples/events/config-rules-compliance-change-noncompliant.json --calendar CLOSED',
  ].join('\n'),
} as const satisfies CommandSpec;

export function planCommand(argv: string[], io: Io, registry: Registry): number {
  const args = parseCommand(PLAN, argv, io);
  if (typeof args === 'number') return args;
  const { values } = args;
  const file = args.positionals[0]!;
  const facts: DryRunFacts = {};
  if (values.calendar) facts.calendar = values.calendar;
  if (values['next-transition']) {
    if (Number.isNaN(Date.parse(values['next-transition'])))
      return usageError(
        io,
        PLAN,
        `--next-transition must be an ISO date-time, not ${values['next-transition']}`,
      );
    facts.nextTransitionTime = values['next-transition'];
  }
  if (values['default-calendars'] !== undefined)
    facts.defaultCalendars = values['default-calendars']
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  if (values.mode) facts.mode = values.mode;
  if (values['kill-switch']) facts.killSwitch = values['kill-switch'] === 'on';
  if (values.tag) {
    facts.tags = {};
    for (const t of values.tag) {
      const i = t.indexOf('=');
      if (i < 1) return usageError(io, PLAN, `--tag takes KEY=VALUE, not ${JSON.stringify(t)}`);
      facts.tags[t.slice(0, i)] = t.slice(i + 1);
    }
  }
  if (values.ping) facts.pingStatus = values.ping;
  if (values['failed-association'])
    facts.associations = values['failed-association'].map((associationId) => ({
      associationId,
      status: 'Failed',
    }));
  if (values['last-run'] !== undefined && Number.isNaN(Date.parse(values['last-run'])))
    return usageError(io, PLAN, `--last-run must be an ISO date-time, not ${values['last-run']}`);
  facts.guards = {
    ...(values['recent-runs'] !== undefined ? { recentRuns: values['recent-runs'] } : {}),
    ...(values['started-last-hour'] !== undefined ? { startedLastHour: values['started-last-hour'] } : {}),
    ...(values['last-run'] ? { lastRunAt: values['last-run'] } : {}),
    ...(values['breaker-open'] ? { breakerOpen: true, breakerReason: 'set by --breaker-open' } : {}),
  };

  let event: unknown;
  try {
    event = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    io.err(`remediator plan: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const result = dryRun(event, registry, facts);
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else if (!result.event.valid)
    io.err(`event ${result.event.id}: REJECTED — field ${result.event.field}: ${result.event.error}`);
  else io.out(renderPlan(result));
  if (!result.event.valid) return 1;
  // Every remediation that matched refused the event's values: the service would act on nothing.
  const all = result.remediations;
  if (all.length > 0 && all.every((m) => m.outcome === 'rejected')) {
    if (!values.json) {
      io.err(
        `event ${result.event.id}: REJECTED — every matching remediation rejects its parameters (${all
          .map((m) => `${m.id}: ${m.reason}`)
          .join('; ')})`,
      );
    }
    return 1;
  }
  return 0;
}

function renderPlan(r: ReturnType<typeof dryRun>): string {
  if (r.event.ignored) return `event ${r.event.id}: ignored: ${r.event.ignored}`;
  const f = r.finding!;
  const lines = [
    `event ${r.event.id}: ${f.family} on ${f.resourceType} ${f.resourceId}${f.rule ? ` (${f.rule})` : ''}`,
  ];
  if (r.remediations.length === 0) lines.push('  no remediation applies → skipped (no-match)');
  for (const m of r.remediations) {
    lines.push(`\n  ${m.id} — ${m.title}`);
    for (const g of m.gates) lines.push(`    ${g.pass ? 'pass' : 'STOP'}  ${g.gate.padEnd(15)} ${g.reason}`);
    lines.push(`    → ${m.outcome}${m.code ? ` (${m.code})` : ''}: ${m.reason}`);
    for (const a of m.actions) {
      if (a.kind === 'startAutomation' || a.kind === 'sendCommand') {
        lines.push(`      ${a.kind} ${a.document} ${JSON.stringify(a.parameters)}`);
      }
    }
  }
  return lines.join('\n');
}
