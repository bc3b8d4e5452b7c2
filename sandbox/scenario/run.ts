/**
 * Runs a rehearsal scenario against the sandbox account: starts the account (which packages and
 * deploys the service), seeds it (fleet, calendars, Config rules, modes), schedules the scenario's
 * happenings on the sim clock, prints a progress line every few wall seconds, waits for the end of
 * the day and for the account to go quiet, then builds the report (./report.ts).
 *
 * The scenario only does what AWS or the operators would: Config evaluations (events via the Config
 * simulation), a maintenance window's AWS-RunPatchBaseline run through the SSM simulation (so the
 * invocation and compliance events are the ones SSM emits), agents losing their connection, calendar
 * freezes, throttling, faults, and parameter changes through the SSM API.
 */
import { evaluateOps } from './ops.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { rmSync } from 'node:fs';
import { SANDBOX_REGION, SANDBOX_STAGE, startSandboxAccount, type SandboxAccount } from '../account.ts';
import type { EventFate } from '../bus.ts';
import type { CallSnapshot } from '../calls.ts';
import type { FaultRule } from '../faults.ts';
import { createIds } from '../rng.ts';
import { PARAMETER_STORE_LIMITS } from '../ratelimit.ts';
import { configChangeEnvelope, type ComplianceType } from '../services/config.ts';
import { packageService } from '../template.ts';
import type { BusEvent } from '../types.ts';
import {
  buildReport,
  isFinding as isFindingEvent,
  isAssociationEvent,
  scenarioWindows,
  resourceOf,
  type ExecutionView,
  type FateView,
  type OutcomeLine,
  type RehearsalReport,
} from './report.ts';
import { projectRemediations, runModes } from './runbooks.ts';
import { findProjectRoot, type Scenario } from './schema.ts';
import { judgeConvergence, noticesOf, type ConvergenceWorld, type WorldFinding } from './convergence.ts';
import { planWorld, type World } from './world.ts';
import { approvalsOf, startScenarioApprovers } from './approvers.ts';

export interface RunOptions {
  scenario: Scenario;
  projectRoot: string;
  /** Overrides the scenario's clock speed. */
  speed?: number;
  /** Progress lines (plain text, one per call); default: none. */
  progress?: (line: string) => void;
  /** Wall ms between progress lines (default 3000). */
  progressEveryMs?: number;
  /**
   * A package made earlier (`serverless package` output) to deploy instead of packaging again (tests
   * share one). It must have been packaged with the scenario's `params`.
   */
  templateDir?: string;
  /** Called with the account after the report is built, before it closes (tests, diagnostics). */
  inspect?: (account: SandboxAccount) => void | Promise<void>;
}

/**
 * When a scenario that names no `clock.start` begins: a fixed Monday morning, so the same scenario and
 * seed give the same report (timestamps included) on any day.
 */
export const DEFAULT_START = '2026-01-05T08:00:00.000Z';

const TAG_REMEDIATION = 'ssm-remediator:remediation';
const TAG_RESOURCE = 'ssm-remediator:resource';
const TAG_EVENT = 'ssm-remediator:event';
const COMMENT_PREFIX = 'ssm-remediator ';
const WINDOW_COMMENT = 'Maintenance window patch run (rehearsal)';
const RUNNING = new Set(['Pending', 'InProgress', 'Waiting', 'Cancelling', 'Delayed']);

/** `t+2h05m` */
export function simOffset(ms: number): string {
  const m = Math.max(0, Math.floor(ms / 60_000));
  return `t+${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

interface Happening {
  at: number;
  what: string;
  run: () => void | Promise<void>;
}

export async function runScenario(opts: RunOptions): Promise<RehearsalReport> {
  const s = opts.scenario;
  const speed = opts.speed ?? s.clock.speed;
  const wallStart = performance.now();
  const notes: string[] = [];
  const progress = opts.progress ?? (() => undefined);

  let templateDir = opts.templateDir;
  let packaged: string | undefined;
  if (!templateDir) {
    progress(`[rehearse] ${s.name}: packaging the service (serverless package)…`);
    packaged = await packageService({
      projectRoot: opts.projectRoot,
      stage: SANDBOX_STAGE,
      region: SANDBOX_REGION,
      params: s.params,
    });
    templateDir = packaged;
  }
  const packagedAt = performance.now();
  progress(
    `[rehearse] packaged in ${((packagedAt - wallStart) / 1000).toFixed(1)} s; deploying into the sandbox account…`,
  );
  let account: SandboxAccount;
  try {
    // Packaged first, so the sim clock starts when the account does (not minutes of sim time earlier).
    account = await startSandboxAccount({
      start: new Date(s.clock.start ?? DEFAULT_START),
      seed: s.seed,
      projectRoot: opts.projectRoot,
      templateDir,
      limits: { ...PARAMETER_STORE_LIMITS, ...s.throttling },
    });
  } catch (e) {
    if (packaged) rmSync(packaged, { recursive: true, force: true });
    throw e;
  }
  try {
    progress(
      `[rehearse] deployed in ${((performance.now() - packagedAt) / 1000).toFixed(1)} s; running ${simOffset(s.clock.duration)} of simulated time (virtual: it moves when the account is quiet)`,
    );
    const report = await rehearse(
      account,
      s,
      speed,
      wallStart,
      notes,
      progress,
      opts.progressEveryMs ?? 3000,
    );
    await opts.inspect?.(account);
    return report;
  } finally {
    await account.close();
    if (packaged) rmSync(packaged, { recursive: true, force: true });
  }
}

async function rehearse(
  account: SandboxAccount,
  s: Scenario,
  speed: number,
  wallStart: number,
  notes: string[],
  progress: (line: string) => void,
  progressEveryMs: number,
): Promise<RehearsalReport> {
  const { clock, bus, ssm, config } = account;
  const region = account.region;
  const accountId = account.account;
  const t0 = clock.now().getTime();
  const world = planWorld(s, new Date(t0));
  const scenarioEvents = new Set<string>();
  const ids = createIds(s.seed + 301);
  const windowCommands = new Set<string>();
  // Operators change modes and the kill switch in Parameter Store (the store emits Parameter Store Change).
  const putParameter = async (name: string, value: string): Promise<void> => {
    account.parameters.put({ name, value, type: 'String', overwrite: true });
  };
  const prefix = `/ssm-remediator/${account.stage}`;

  // ---- seed -------------------------------------------------------------------------------------
  // The stage's default calendars, as a deploy with `--param defaultCalendars=...` would set them.
  const defaultCalendars = s.calendars.filter((c) => c.default).map((c) => c.name);
  if (defaultCalendars.length > 0)
    for (const f of account.lambda.functions())
      if ('DEFAULT_CALENDARS' in f.environment)
        account.lambda.updateEnvironment(f.name, { DEFAULT_CALENDARS: defaultCalendars.join(',') });
  for (const inst of world.instances) {
    ssm.addInstance({
      InstanceId: inst.id,
      PlatformType: inst.platform,
      PlatformName:
        inst.platform === 'Windows'
          ? 'Microsoft Windows Server 2022 Datacenter'
          : inst.platform === 'MacOS'
            ? 'macOS'
            : 'Amazon Linux',
      PlatformVersion:
        inst.platform === 'Windows' ? '10.0.20348' : inst.platform === 'MacOS' ? '14.5' : '2023',
      tags: inst.tags,
    });
    account.tagging.setTags(`arn:aws:ec2:${region}:${accountId}:instance/${inst.id}`, inst.tags);
  }
  for (const c of s.calendars) {
    ssm.addCalendar(c.name, {
      type: c.type,
      description: `Rehearsal calendar ${c.name}`,
      events: c.events.map((e) => ({
        start: new Date(t0 + e.from),
        end: new Date(t0 + e.to),
        summary: e.summary ?? (c.type === 'DEFAULT_OPEN' ? 'Change freeze' : 'Change window'),
      })),
    });
  }
  for (const rule of new Set(s.findings.map((f) => f.rule)))
    config.putRule(rule, { sourceIdentifier: ruleSource(rule) });
  // Non-compliant before the deployment: recorded, never announced; only backfill finds them.
  for (const f of world.findings.filter((x) => x.preexisting))
    config.recordEarlier(
      f.rule,
      { resourceType: f.resourceType, resourceId: f.resourceId },
      'NON_COMPLIANT',
      new Date(t0 + f.at),
    );
  // Backfill per sweep, as a deploy with `--param backfillPerRun=N` would set it.
  if (s.params['backfillPerRun'] !== undefined)
    for (const fn of account.lambda.functions())
      if ('BACKFILL_PER_RUN' in fn.environment)
        account.lambda.updateEnvironment(fn.name, { BACKFILL_PER_RUN: s.params['backfillPerRun'] });
  for (const o of s.automation.outcomes) {
    ssm.setAutomationOutcome({
      outcome: o.outcome,
      ...(o.document ? { document: o.document } : {}),
      ...(o.times ? { times: o.times } : {}),
      ...(o.failureMessage ? { failureMessage: o.failureMessage } : {}),
    });
  }
  // A runbook that succeeds fixes the resource: Config reports it COMPLIANT at its next evaluation
  // (which the service asks for to verify the fix).
  const typeOf = new Map(world.findings.map((f) => [f.resourceId, f.resourceType]));
  if (s.automation.fixes)
    ssm.onAutomationFinished((x) => {
      const res = tagOf(x.tags, TAG_RESOURCE);
      const type = res ? typeOf.get(res) : undefined;
      if (x.status === 'Success' && res && type)
        config.setResourceCompliance({ resourceType: type, resourceId: res }, 'COMPLIANT');
    });
  if (s.automation.runTime !== undefined) ssm.setAutomationDurations({ runMs: s.automation.runTime });
  if (s.bus.drop > 0 || s.bus.duplicate > 0 || s.bus.deliveries !== undefined)
    bus.setFaults({
      dropRate: s.bus.drop,
      duplicateRate: s.bus.duplicate,
      ...(s.bus.deliveries !== undefined ? { deliveries: s.bus.deliveries } : {}),
      ...(s.bus.source !== undefined ? { source: s.bus.source } : {}),
      ...(s.bus.detailType !== undefined ? { detailType: s.bus.detailType } : {}),
    });

  // ---- the timeline ------------------------------------------------------------------------------
  const happenings: Happening[] = [];
  const at = (ms: number, what: string, run: Happening['run']): void => {
    happenings.push({ at: ms, what, run });
  };
  const modesNow = s.modes.filter((m) => m.at === 0);
  for (const m of modesNow) await putParameter(`${prefix}/mode/${m.remediation}`, m.mode);
  for (const m of s.modes.filter((x) => x.at > 0))
    at(m.at, `mode ${m.remediation} = ${m.mode}`, () =>
      putParameter(`${prefix}/mode/${m.remediation}`, m.mode),
    );
  for (const k of s.killSwitch)
    at(k.at, `kill switch ${k.state}`, () => putParameter(`${prefix}/kill-switch`, k.state));
  for (const m of s.malformed)
    at(m.at, `malformed Config event (no ${m.missing})`, () => {
      const ev = malformedConfigEvent(m, ids(), clock.now(), accountId, region);
      scenarioEvents.add(ev.id);
      bus.put(ev, { via: 'service' });
    });

  const announce = (
    rule: string,
    resourceType: string,
    resourceId: string,
    type: ComplianceType,
  ): BusEvent[] => {
    config.setCompliance(rule, { resourceType, resourceId }, type);
    const events = config.evaluate([rule]);
    // Re-evaluating the rule also announces other resources whose compliance changed (a group the
    // service fixed meanwhile turns COMPLIANT): those are Config's events, not the scenario's.
    for (const e of events) if (e.detail['resourceId'] === resourceId) scenarioEvents.add(e.id);
    return events;
  };
  const firstAnnouncement = new Map<string, BusEvent>();
  for (const f of world.findings) {
    if (f.preexisting) continue;
    const key = `${f.rule}|${f.resourceId}`;
    at(f.at, `Config: ${f.rule} NON_COMPLIANT ${f.resourceId}`, () => {
      const ev = announce(f.rule, f.resourceType, f.resourceId, 'NON_COMPLIANT').find(
        (e) => e.detail['resourceId'] === f.resourceId,
      );
      if (ev) firstAnnouncement.set(key, ev);
    });
    if (f.duplicateAt !== undefined)
      at(f.duplicateAt, `Config: ${f.rule} announced again ${f.resourceId}`, () => {
        const ev = firstAnnouncement.get(key);
        if (!ev) return;
        const again: BusEvent = { ...ev, id: ids(), time: isoSeconds(clock.now()) };
        scenarioEvents.add(again.id);
        bus.put(again, { via: 'service' });
      });
    for (const when of f.driftAt ?? [])
      at(when, `Config: ${f.rule} drifts back ${f.resourceId}`, () => {
        // Only a resource that was fixed can drift back (Config announces a change, not a repeat).
        if (
          config.evaluation(f.rule, { resourceType: f.resourceType, resourceId: f.resourceId })
            ?.complianceType !== 'COMPLIANT'
        )
          return;
        announce(f.rule, f.resourceType, f.resourceId, 'NON_COMPLIANT');
      });
    if (f.compliantAt !== undefined)
      at(f.compliantAt, `Config: ${f.rule} COMPLIANT ${f.resourceId}`, () => {
        announce(f.rule, f.resourceType, f.resourceId, 'COMPLIANT');
      });
  }

  for (const w of world.patchWindows) {
    if (w.emit.includes('invocation')) {
      at(w.at, `patch window #${w.index}: AWS-RunPatchBaseline on ${w.instances.length}`, () => {
        if (w.failed.length > 0)
          ssm.setCommandOutcome({
            document: 'AWS-RunPatchBaseline',
            instanceId: w.failed,
            outcome: 'Failed',
            responseCode: 1,
            error: 'Failed to install package: yum returned 1 (dependency conflict)',
            ...(w.retry === 'succeeds' ? { times: w.failed.length } : {}),
          });
        for (let i = 0; i < w.instances.length; i += 50) {
          const cmd = ssm.commands.send({
            DocumentName: 'AWS-RunPatchBaseline',
            InstanceIds: w.instances.slice(i, i + 50),
            Parameters: { Operation: ['Install'] },
            MaxConcurrency: '100%',
            MaxErrors: '100%',
            Comment: WINDOW_COMMENT,
          });
          windowCommands.add(cmd.CommandId);
        }
      });
    }
    if (w.emit.includes('compliance')) {
      at(w.at + 120_000, `patch window #${w.index}: ${w.failed.length} non-compliant`, () => {
        for (const id of w.failed)
          ssm.setPatchState(id, {
            compliance: 'NON_COMPLIANT',
            failedCount: 2,
            missingCount: 7,
            operation: 'Install',
            operationStartTime: new Date(t0 + w.at),
            operationEndTime: clock.now(),
          });
      });
    }
  }

  let assocTaken = 0;
  for (const [index, a] of s.associations.entries()) {
    const targets = world.instances.slice(assocTaken, assocTaken + a.instances).map((i) => i.id);
    assocTaken += a.instances;
    at(a.at, `associations #${index}: ${a.document} fails on ${targets.length}`, () => {
      for (const id of targets) {
        const assoc = ssm.associations.create({ Name: a.document, InstanceIds: [id] });
        ssm.associations.setOutcome({
          associationId: assoc.AssociationId,
          outcome: 'Failed',
          times: a.failedRuns,
        });
        ssm.associations.run(assoc.AssociationId);
      }
    });
  }

  for (const d of world.dropOffs) {
    at(d.at, `${d.instances.length} agents lose their connection`, () => {
      for (const id of d.instances) ssm.setPingStatus(id, 'ConnectionLost');
    });
    if (d.returnAt !== undefined)
      at(d.returnAt, `${d.returning.length} agents come back`, () => {
        for (const id of d.returning) ssm.setPingStatus(id, 'Online');
      });
  }

  const faultRules: (FaultRule & { from?: number; to?: number })[] = [
    ...s.faults,
    ...s.slackDown.map((w) => ({ target: 'slack', status: 503, code: 'service_unavailable', ...w })),
  ];
  for (const f of faultRules) {
    const { from, to, ...rule } = f;
    let remove: (() => void) | undefined;
    at(from ?? 0, `fault on ${rule.target}`, () => {
      remove = account.faults.add(rule);
    });
    if (to !== undefined) at(to, `fault on ${rule.target} ends`, () => remove?.());
  }

  // The sandbox's Slack users answer approval requests (scenario `approvals`).
  const slackUsers = startScenarioApprovers(account, s);

  // ---- run ---------------------------------------------------------------------------------------
  const errors: string[] = [];
  const since = (): number => clock.now().getTime() - t0;
  for (const h of happenings.sort((a, b) => a.at - b.at)) {
    clock.after(Math.max(0, h.at - since()), () => {
      Promise.resolve()
        .then(h.run)
        .catch((e: unknown) =>
          errors.push(`${simOffset(h.at)} ${h.what}: ${e instanceof Error ? e.message : String(e)}`),
        );
    });
  }

  const lines = createLineReader(account);
  const running = (): number =>
    ssm.listAutomationExecutions().filter((x) => RUNNING.has(x.status) && tagOf(x.tags, TAG_REMEDIATION))
      .length +
    ssm.listCommands().filter((c) => RUNNING.has(c.Status) && c.Comment.startsWith(COMMENT_PREFIX)).length;
  const line = (): string => {
    const out = lines.read();
    const counts = new Map<string, number>();
    for (const l of out) counts.set(l.outcome, (counts.get(l.outcome) ?? 0) + 1);
    const summary = [...counts].map(([k, v]) => `${k} ${v}`).join(', ');
    return `[rehearse] ${simOffset(since())}  events ${bus.fates().length}  outcomes ${out.length}${summary ? ` (${summary})` : ''}  executions running ${running()}`;
  };
  const ticker = setInterval(() => progress(line()), progressEveryMs);
  // The runner's own Scan pages: not the service's calls, so taken out of the report's apiCalls.
  const ledgerReads = { pages: 0 };
  const dayEnd = t0 + s.clock.duration;
  const drainEnd = dayEnd + s.clock.drain;
  try {
    // Virtual time: the clock jumps from one scheduled instant to the next once the account is quiet,
    // so the day takes as long as its work, on any machine, and ends the same way.
    await clock.runUntil(dayEnd);
    progress(line());
    progress('[rehearse] day over; waiting for the account to go quiet…');
    // Quiet is not done while the ledger still follows an execution (the reconcile sweep will close
    // it): keep time moving until it has, or the drain ends. The ledger is read at most every 5 minutes.
    let ledgerCheckedAt = -Infinity;
    let ledgerBusy = false;
    for (;;) {
      await clock.quiet();
      if (bus.pendingWork().length === 0 && running() === 0 && (slackUsers?.inFlight() ?? 0) === 0) {
        if (clock.now().getTime() - ledgerCheckedAt >= 300_000) {
          ledgerCheckedAt = clock.now().getTime();
          const ledger = await scanLedger(account, ledgerReads);
          ledgerBusy = followedExecutions(ledger).length > 0 || admissionHeld(ledger) > 0;
        }
        if (!ledgerBusy) break;
      }
      if (!(await clock.step(drainEnd))) {
        notes.push(
          `stopped waiting after ${simOffset(s.clock.drain)} of drain: ${running()} execution(s) still running; pending: ${bus.pendingWork().slice(0, 5).join('; ') || 'none'}`,
        );
        break;
      }
    }
  } finally {
    clearInterval(ticker);
    slackUsers?.stop();
  }
  progress(line());

  // ---- report ------------------------------------------------------------------------------------
  const origin = (f: EventFate): string => {
    if (scenarioEvents.has(f.event.id)) return 'scenario';
    if (f.via === 'schedule') return 'schedule';
    if (f.via === 'put-events') return 'service (PutEvents)';
    if (f.event.source === 'aws.ssm') return 'ssm';
    if (f.event.source === 'aws.config') return 'config';
    return f.event.source;
  };
  const fates: FateView[] = bus.fates().map((f) => ({
    event: f.event,
    targets: [...new Set(f.rules)],
    dropped: f.dropped,
    pending: f.status === 'pending',
    duplicated: f.extraDeliveries,
    origin: origin(f),
    at: f.receivedAt.getTime(),
  }));
  const executions: ExecutionView[] = [
    ...ssm.listAutomationExecutions().map((x): ExecutionView => ({
      id: x.AutomationExecutionId,
      kind: 'automation',
      document: x.DocumentName,
      status: x.status,
      remediation: tagOf(x.tags, TAG_REMEDIATION) ?? '',
      resources: [tagOf(x.tags, TAG_RESOURCE) ?? firstParameter(x.Parameters)],
      ...(tagOf(x.tags, TAG_EVENT) ? { eventId: tagOf(x.tags, TAG_EVENT) } : {}),
      ...(x.clientToken ? { clientToken: x.clientToken } : {}),
      startedAt: (x.ExecutionStartTime ?? x.createdTime).getTime(),
      ...(x.ExecutionEndTime ? { endedAt: x.ExecutionEndTime.getTime() } : {}),
    })),
    ...ssm
      .listCommands()
      .filter((c) => !windowCommands.has(c.CommandId))
      .map((c): ExecutionView => ({
        id: c.CommandId,
        kind: 'command',
        document: c.DocumentName,
        status: c.Status,
        remediation: c.Comment.startsWith(COMMENT_PREFIX) ? c.Comment.slice(COMMENT_PREFIX.length) : '',
        resources: c.invocations.map((i) => i.InstanceId),
        startedAt: c.RequestedDateTime.getTime(),
        ...lastEnd(c.invocations.map((i) => i.ExecutionEndDateTime)),
      })),
  ];
  if (errors.length > 0) notes.push(...errors.slice(0, 10).map((e) => `scenario step failed: ${e}`));
  const unrouted = fates.filter(
    (f) => f.targets.length === 0 && !f.dropped && isFindingEvent(f.event),
  ).length;
  if (unrouted > 0)
    notes.push(
      `${unrouted} finding event(s) matched no rule of the deployed template (the service does not subscribe to them yet); they are not counted as lost`,
    );
  const end = clock.now();
  const apiCalls = withoutOwnReads(account.calls.snapshot(), ledgerReads.pages);
  const convergence = judgeConvergence(await gatherWorld(account, fates, world, windowCommands));
  const approvals = approvalsOf(account, await scanLedger(account, ledgerReads), slackUsers);
  // h2-ops: the metrics the functions wrote (EMF) and the template's alarms over them (./ops.ts).
  const ops = evaluateOps({
    template: account.deployed.template,
    lines: account.lambda.logs(),
    invocations: account.lambda.invocations(),
    queueDepth: (id) => {
      const q = account.deployed.queues[id];
      return q ? account.sqs.pending(q.url).length : 0;
    },
    t0,
    end: end.getTime(),
  });
  return buildReport({
    scenario: s.name,
    seed: s.seed,
    wallSeconds: (performance.now() - wallStart) / 1000,
    sim: {
      start: new Date(t0).toISOString(),
      end: end.toISOString(),
      hours: (end.getTime() - t0) / 3_600_000,
      speed,
    },
    modes: runModes(projectRemediations(findProjectRoot()), s.modes),
    fates,
    lines: lines.read(),
    executions,
    scenarioExecutions: windowCommands.size,
    slack: account.slack.messages().map((m) => ({
      text: slackText(m.payload, m.text),
      outcomes: Number(/\((\d+) outcomes\)$/.exec(m.text ?? '')?.[1] ?? 1),
      at: m.receivedAt.getTime() - t0,
    })),
    slackSamples: s.report.slackSamples,
    slackRateLimited: account.slack.rateLimited(),
    sns: account.sns.messages().map((m) => ({ message: m.Message, at: m.publishedAt.getTime() })),
    apiCalls,
    iamDenials: account.iam.denials().map((d) => ({ key: `${d.role} ${d.action}`, message: d.message })),
    iamEvaluated: account.iam.evaluated(),
    convergence,
    windowOf: world.windowOf,
    dropOf: world.dropOf,
    windows: scenarioWindows(s),
    notes,
    ops,
    ...(approvals ? { approvals } : {}),
  });
}

/**
 * The world at the end of the drain, as data: Config's evaluations, SSM's commands, executions and
 * agents, the results topic, the ledger table (scanned like any DynamoDB table) and the queues.
 */
async function gatherWorld(
  account: SandboxAccount,
  fates: FateView[],
  world: World,
  windowCommands: Set<string>,
): Promise<ConvergenceWorld> {
  const { ssm, config } = account;
  const findings: WorldFinding[] = [];
  const typeOf = new Map<string, string>();
  const triggerOfEvent = new Map<string, string>();
  for (const f of fates) {
    if (!isFindingEvent(f.event)) continue;
    const e = f.event;
    const resource = resourceOf(e);
    const trigger =
      e.source === 'aws.config'
        ? `config:${String(e.detail['configRuleName'])}`
        : e['detail-type'] === 'SSM Agent Disconnected'
          ? 'agent'
          : isAssociationEvent(e)
            ? 'association'
            : 'patch';
    if (typeof e.detail['resourceType'] === 'string') typeOf.set(resource, e.detail['resourceType']);
    findings.push({ trigger, resource, delivered: !f.dropped && f.targets.length > 0 });
    triggerOfEvent.set(e.id, trigger);
  }
  // Resources non-compliant before the deployment are findings too; backfill is how they reach the service.
  for (const f of world.findings.filter((x) => x.preexisting)) {
    findings.push({
      trigger: `config:${f.rule}`,
      resource: f.resourceId,
      delivered: true,
      preexisting: true,
    });
    typeOf.set(f.resourceId, f.resourceType);
  }
  // Agents the scenario took down are findings even if the service never noticed them.
  for (const d of world.dropOffs)
    for (const id of d.instances) findings.push({ trigger: 'agent', resource: id, delivered: false });
  // Delivered if any of its events was (re-announcements and redeliveries fold).
  const delivered = new Set(findings.filter((f) => f.delivered).map((f) => `${f.trigger}|${f.resource}`));
  for (const f of findings) f.delivered = delivered.has(`${f.trigger}|${f.resource}`);

  const commands = ssm.listCommands().filter((c) => !windowCommands.has(c.CommandId));
  const automations = ssm.listAutomationExecutions();
  const onInstance = (x: { Parameters: Record<string, string[]> }, id: string): boolean =>
    Object.values(x.Parameters).some((v) => v.includes(id));
  const queues = Object.values(account.deployed.queues).map((q) => ({
    name: q.name,
    messages: account.sqs.pending(q.arn),
  }));
  const ledger = await scanLedger(account);
  const deferrals = ledger.filter((i) => String(i['pk']).startsWith('DEFER#'));
  return {
    findings,
    compliance: (rule, resource) =>
      config.evaluation(rule, { resourceType: typeOf.get(resource) ?? '', resourceId: resource })
        ?.complianceType,
    patched: (id) =>
      commands.find(
        (c) =>
          c.DocumentName === 'AWS-RunPatchBaseline' &&
          c.invocations.some((i) => i.InstanceId === id && i.Status === 'Success'),
      )?.CommandId,
    ping: (id) => ssm.instances.get(id)?.PingStatus,
    associated: (id) => {
      const on = ssm.associations.onInstance(id);
      const ok = on.length > 0 && on.every((a) => a.instances.get(id)?.status === 'Success');
      return ok
        ? `its ${on.length} association(s) last succeeded (re-applied ${on.map((a) => a.startedOnce).reduce((x, y) => x + y, 0)} time(s))`
        : undefined;
    },
    diagnosed: (id) =>
      automations.find((x) => x.status === 'Success' && onInstance(x, id))?.AutomationExecutionId,
    running: (resource) => {
      const x = automations.find(
        (a) => RUNNING.has(a.status) && (tagOf(a.tags, TAG_RESOURCE) === resource || onInstance(a, resource)),
      );
      if (x) return `execution ${x.AutomationExecutionId} still ${x.status}`;
      const c = commands.find(
        (k) => RUNNING.has(k.Status) && k.invocations.some((i) => i.InstanceId === resource),
      );
      return c ? `command ${c.CommandId} still ${c.Status}` : undefined;
    },
    notices: account.sns
      .messages()
      .flatMap((m) => noticesOf(m.Message))
      .map((n) => {
        const trigger = n.trigger ?? (n.eventId ? triggerOfEvent.get(n.eventId) : undefined);
        return trigger ? { ...n, trigger } : n;
      }),
    deferrals: deferrals.map((d) => ({
      remediationId: String(d['remediationId']),
      resourceId: String(d['resourceId']),
      ...(typeof d['nextTransitionTime'] === 'string' ? { nextTransitionTime: d['nextTransitionTime'] } : {}),
      ...(typeof d['nextTryAt'] === 'string' ? { nextTryAt: d['nextTryAt'] } : {}),
      ...(typeof d['code'] === 'string' ? { code: d['code'] } : {}),
    })),
    followed: followedExecutions(ledger),
    queued: (resource) => {
      for (const q of queues) {
        const m = q.messages.find((x) => x.Body.includes(resource));
        if (m) return { queue: q.name, messageId: m.MessageId };
      }
      return undefined;
    },
  };
}

/** Executions the ledger still follows: in flight, or waiting for Config to confirm the fix. */
/**
 * Work held for a slot of the service's share of SSM's quota (`admission`): the next reconcile sweep
 * starts it, so the drain keeps time moving for it as for a followed execution. (Work held on a closed
 * calendar, the budget or an unreadable gate waits on the world, not on the service: the drain does not
 * wait for it, and convergence reports it pending.)
 */
function admissionHeld(ledger: Record<string, unknown>[]): number {
  return ledger.filter((i) => String(i['pk']).startsWith('DEFER#') && i['code'] === 'admission').length;
}

function followedExecutions(
  ledger: Record<string, unknown>[],
): { executionId: string; phase: string; resourceIds: string[] }[] {
  return ledger
    .filter((i) => String(i['pk']).startsWith('EXEC#') && i['phase'] !== 'done')
    .map((i) => ({
      executionId: String(i['executionId']),
      phase: String(i['phase']),
      resourceIds: Array.isArray(i['resourceIds']) ? i['resourceIds'].map(String) : [],
    }));
}

function withoutOwnReads(calls: CallSnapshot, scans: number): CallSnapshot {
  const db = calls['dynamodb'];
  if (!db || scans === 0) return calls;
  const { Scan: own = 0, ...rest } = db.byOperation;
  const left = own - scans;
  return {
    ...calls,
    dynamodb: { total: db.total - scans, byOperation: left > 0 ? { ...rest, Scan: left } : rest },
  };
}

/** Every item of the ledger table, read through the sandbox's DynamoDB like any client would. */
async function scanLedger(
  account: SandboxAccount,
  reads: { pages: number } = { pages: 0 },
): Promise<Record<string, unknown>[]> {
  const table = Object.values(account.deployed.tables ?? {})[0]?.name;
  if (!table) return [];
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: account.url,
      region: account.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
  );
  try {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      reads.pages += 1;
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  } finally {
    client.destroy();
  }
}

const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function tagOf(tags: { Key: string; Value: string }[], key: string): string | undefined {
  return tags.find((t) => t.Key === key)?.Value;
}

/** When the last of a command's invocations ended, if they all did. */
function lastEnd(ends: (Date | undefined)[]): { endedAt?: number } {
  return ends.length > 0 && ends.every((d) => d)
    ? { endedAt: Math.max(...ends.map((d) => d!.getTime())) }
    : {};
}

function firstParameter(p: Record<string, string[]>): string {
  return Object.values(p)[0]?.[0] ?? '';
}

/** AWS managed rule identifiers for the rules the runbooks answer (the sandbox only records it). */
function ruleSource(rule: string): string | undefined {
  const known: Record<string, string> = {
    'restricted-ssh': 'INCOMING_SSH_DISABLED',
    's3-bucket-public-read-prohibited': 'S3_BUCKET_PUBLIC_READ_PROHIBITED',
    's3-bucket-public-write-prohibited': 'S3_BUCKET_PUBLIC_WRITE_PROHIBITED',
    's3-bucket-server-side-encryption-enabled': 'S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED',
    's3-bucket-versioning-enabled': 'S3_BUCKET_VERSIONING_ENABLED',
    'vpc-sg-open-only-to-authorized-ports': 'VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS',
  };
  return known[rule];
}

/** A Slack message as a reader sees it: the blocks' text, else the fallback text. */
export function slackText(payload: Record<string, unknown>, fallback?: string): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (o['type'] === 'button') return;
      if (typeof o['text'] === 'string') parts.push(o['text']);
      else walk(o['text']);
      walk(o['fields']);
      walk(o['elements']);
    }
  };
  walk(payload['blocks']);
  const text = parts.length > 0 ? parts.join('\n') : (fallback ?? JSON.stringify(payload));
  return text.replace(/\*([^*\n]+)\*/g, '$1');
}

/** Reads the service's `decision` and `outcome` log lines as they arrive (incrementally). */
function createLineReader(account: SandboxAccount): { read(): OutcomeLine[] } {
  const out: OutcomeLine[] = [];
  let seen = 0;
  return {
    read() {
      const logs = account.lambda.logs();
      for (let i = seen; i < logs.length; i++) {
        const j = logs[i]!.json;
        if (!j) continue;
        const message = j['message'];
        if (message !== 'decision' && message !== 'outcome') continue;
        const s = (k: string): string | undefined =>
          typeof j[k] === 'string' ? (j[k] as string) : undefined;
        out.push({
          kind: message,
          seq: out.length,
          outcome: s('outcome') ?? 'unknown',
          // The finding's event (`findingEventId`; `eventId` in logs written before it was named so).
          ...((s('findingEventId') ?? s('eventId')) ? { eventId: s('findingEventId') ?? s('eventId') } : {}),
          ...(s('remediation') ? { remediation: s('remediation') } : {}),
          ...(s('resourceId') ? { resourceId: s('resourceId') } : {}),
          ...(s('code') ? { code: s('code') } : {}),
          ...(s('reason') ? { reason: s('reason') } : {}),
          ...(s('executionId') ? { executionId: s('executionId') } : {}),
          at: logs[i]!.at.getTime(),
        });
      }
      seen = logs.length;
      return out;
    },
  };
}

/** A Config non-compliance event that leaves out one field the service needs (scenario `malformed`). */
function malformedConfigEvent(
  m: { rule: string; missing: string },
  id: string,
  now: Date,
  account: string,
  region: string,
): BusEvent {
  const detail: Record<string, unknown> = {
    resourceId: 'sg-0badbadbadbadbad0',
    resourceType: 'AWS::EC2::SecurityGroup',
    awsRegion: region,
    awsAccountId: account,
    configRuleName: m.rule,
    recordVersion: '1.0',
    configRuleARN: `arn:aws:config:${region}:${account}:config-rule/config-rule-malformed`,
    messageType: 'ComplianceChangeNotification',
    newEvaluationResult: {
      evaluationResultIdentifier: {
        evaluationResultQualifier: { configRuleName: m.rule, resourceType: 'AWS::EC2::SecurityGroup' },
        orderingTimestamp: now.toISOString(),
      },
      complianceType: 'NON_COMPLIANT',
      resultRecordedTime: now.toISOString(),
      configRuleInvokedTime: now.toISOString(),
    },
    notificationCreationTime: now.toISOString(),
  };
  delete detail[m.missing];
  return configChangeEnvelope(detail, { id, account, region, now });
}

export type { World };
