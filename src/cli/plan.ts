/** `remediator plan <event.json>`: what the service would decide, with no AWS call. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dryRun, type DryRunFacts } from '../core/dry-run.ts';
import type { Registry } from '../core/registry.ts';
import { MODES, type Mode } from '../core/types.ts';
import type { Io } from './io.ts';

export const PLAN_USAGE = `remediator plan <event.json> [--json]
    [--calendar OPEN|CLOSED] [--next-transition ISO] [--mode auto|shadow|off] [--kill-switch on|off]
    [--tag key=value ...] [--ping Online|ConnectionLost] [--recent-runs N] [--started-last-hour N] [--breaker-open]`;

export function planCommand(argv: string[], io: Io, registry: Registry): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      calendar: { type: 'string' },
      'next-transition': { type: 'string' },
      mode: { type: 'string' },
      'kill-switch': { type: 'string' },
      tag: { type: 'string', multiple: true },
      ping: { type: 'string' },
      'recent-runs': { type: 'string' },
      'started-last-hour': { type: 'string' },
      'breaker-open': { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (!file) {
    io.err(`usage: ${PLAN_USAGE}`);
    return 2;
  }
  const facts: DryRunFacts = {};
  if (values.calendar) {
    const c = values.calendar.toUpperCase();
    if (c !== 'OPEN' && c !== 'CLOSED')
      return usage(io, `--calendar must be OPEN or CLOSED, not ${values.calendar}`);
    facts.calendar = c;
  }
  if (values['next-transition']) facts.nextTransitionTime = values['next-transition'];
  if (values.mode) {
    if (!(MODES as readonly string[]).includes(values.mode))
      return usage(io, `--mode must be auto, shadow or off`);
    facts.mode = values.mode as Mode;
  }
  if (values['kill-switch']) facts.killSwitch = values['kill-switch'] === 'on';
  if (values.tag) {
    facts.tags = {};
    for (const t of values.tag) {
      const i = t.indexOf('=');
      if (i < 1) return usage(io, `--tag takes key=value, got ${t}`);
      facts.tags[t.slice(0, i)] = t.slice(i + 1);
    }
  }
  if (values.ping) facts.pingStatus = values.ping as DryRunFacts['pingStatus'];
  facts.guards = {
    ...(values['recent-runs'] ? { recentRuns: Number(values['recent-runs']) } : {}),
    ...(values['started-last-hour'] ? { startedLastHour: Number(values['started-last-hour']) } : {}),
    ...(values['breaker-open'] ? { breakerOpen: true, breakerReason: 'set by --breaker-open' } : {}),
  };

  let event: unknown;
  try {
    event = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    io.err(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const result = dryRun(event, registry, facts);
  if (values.json) {
    io.out(JSON.stringify(result, null, 2));
  } else {
    io.out(renderPlan(result));
  }
  if (!result.event.valid) {
    if (!values.json) io.err(`invalid event: ${result.event.error}`);
    return 1;
  }
  return 0;
}

function usage(io: Io, message: string): number {
  io.err(`${message}\nusage: ${PLAN_USAGE}`);
  return 2;
}

function renderPlan(r: ReturnType<typeof dryRun>): string {
  if (!r.event.valid) return `event ${r.event.id}: REJECTED — field ${r.event.field}: ${r.event.error}`;
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
