/**
 * Agent health: there is no AWS event for a disconnected SSM Agent (AWS-FACTS §1.8), so a scheduled
 * sweep reads DescribeInstanceInformation, flags agents that are ConnectionLost or Online with a stale
 * LastPingDateTime, and debounces over N consecutive sweeps before it publishes our own
 * `SSM Agent Disconnected` event (one per newly disconnected instance). An instance that reconnects
 * clears its count and, if it had been announced, gets one "recovered" notification.
 *
 * The classification and the debounce transitions are pure functions; `sweepAgents` runs them over
 * the ports (inventory, ledger counters, event publisher, notifier), with no AWS import.
 */
import type { AgentDisconnectedDetail } from '../events/agent.ts';
import { AGENT_DISCONNECTED, AGENT_EVENT_SOURCE } from '../events/agent.ts';
import type { LogPort, Notification, NotifierPort } from '../ports/index.ts';
import { errorMessage } from '../model/errors.ts';
import { ID_PATTERNS } from '../model/ids.ts';
import { partitionOf } from '../model/partition.ts';
import type { AgentInstance, AgentInventoryPort } from '../ports/agent-inventory.ts';
import type { CounterPort } from '../ports/counter.ts';
import type { EventPublisherPort, PublishFailure } from '../ports/event-publisher.ts';
import type { SweepCursorPort } from '../ports/sweep-cursor.ts';
import type { Outcome } from '../model/types.ts';

export type Unhealthy = 'connection-lost' | 'stale-ping';
export type Health = { healthy: true } | { healthy: false; reason: Unhealthy } | { healthy: 'unknown' };

export interface AgentHealthOptions {
  /** An Online agent whose last ping is older than this is stale (AGENT_STALE_MINUTES). */
  staleMinutes: number;
  /** Consecutive failing sweeps before an instance is announced (AGENT_DEBOUNCE_SWEEPS). */
  debounceSweeps: number;
}

/** Pure: is this agent healthy now? `Inactive` (deprecated by AWS) and unknown statuses change nothing. */
export function classify(i: AgentInstance, now: Date, staleMinutes: number): Health {
  if (i.pingStatus === 'ConnectionLost') return { healthy: false, reason: 'connection-lost' };
  if (i.pingStatus !== 'Online') return { healthy: 'unknown' };
  const last = i.lastPingDateTime ? Date.parse(i.lastPingDateTime) : NaN;
  if (!Number.isNaN(last) && now.getTime() - last > staleMinutes * 60_000) {
    return { healthy: false, reason: 'stale-ping' };
  }
  return { healthy: true };
}

/** What one failing sweep does to an instance, given its count after this sweep. */
export type Step = 'suspect' | 'disconnected' | 'still-disconnected';

/** Pure: the debounce step. Exactly the sweep that reaches N announces; later ones stay quiet. */
export function debounceStep(count: number, threshold: number): Step {
  if (count < threshold) return 'suspect';
  return count === threshold ? 'disconnected' : 'still-disconnected';
}

export interface SweepPlan {
  /** Failing now: add one to their count. */
  bump: { instance: AgentInstance; reason: Unhealthy }[];
  /** Healthy again, or gone from the list (stopped, terminated, deregistered): clear their count. */
  clear: { instanceId: string; previous: number; recovered: boolean }[];
}

/**
 * Pure: the sweep's changes from the instances listed now and the counts kept so far. An instance
 * that had reached the threshold and is Online again is `recovered` (notify once); one that vanished
 * from the list is cleared silently (DescribeInstanceInformation omits stopped and terminated nodes).
 */
export function planSweep(
  instances: readonly AgentInstance[],
  counts: Readonly<Record<string, number>>,
  now: Date,
  opts: AgentHealthOptions,
): SweepPlan {
  const plan: SweepPlan = { bump: [], clear: [] };
  const listed = new Set<string>();
  for (const i of instances) {
    listed.add(i.instanceId);
    const h = classify(i, now, opts.staleMinutes);
    const previous = counts[i.instanceId] ?? 0;
    if (h.healthy === false) plan.bump.push({ instance: i, reason: h.reason });
    else if (h.healthy === true && previous > 0) {
      plan.clear.push({ instanceId: i.instanceId, previous, recovered: previous >= opts.debounceSweeps });
    }
  }
  for (const [instanceId, previous] of Object.entries(counts)) {
    if (!listed.has(instanceId) && previous > 0) plan.clear.push({ instanceId, previous, recovered: false });
  }
  return plan;
}

/** The detail of our `SSM Agent Disconnected` event (schema: src/events/agent.ts). */
export function disconnectedDetail(
  i: AgentInstance,
  reason: Unhealthy,
  consecutiveSweeps: number,
  now: Date,
): AgentDisconnectedDetail {
  const ping = i.pingStatus === 'ConnectionLost' || i.pingStatus === 'Inactive' ? i.pingStatus : 'Online';
  return {
    instanceId: i.instanceId,
    pingStatus: ping,
    ...(i.lastPingDateTime ? { lastPingDateTime: i.lastPingDateTime } : {}),
    ...(i.platformType ? { platformType: i.platformType } : {}),
    reason,
    consecutiveSweeps,
    detectedAt: now.toISOString(),
  };
}

// ---- What the sweep runs on (ports in src/ports/) -------------------------------------------------

export interface AgentSweepDeps {
  inventory: AgentInventoryPort;
  counters: CounterPort;
  /** Without one, every sweep walks the whole fleet (small fleets, tests). */
  cursor?: SweepCursorPort;
  publisher: EventPublisherPort;
  notifier: NotifierPort;
  log: LogPort;
  now: () => Date;
  options: AgentHealthOptions & {
    /** Pages (50 agents each) of the walk over the fleet per sweep (default: all). */
    pagesPerSweep?: number;
  };
  /** Account and Region, for the instance ARN in the event's resources and the notification. */
  account?: string;
  region?: string;
}

/** The ledger counter scope of the debounce counts. */
export const COUNTER_SCOPE = 'agent-health';
/** Counts outlive a missed sweep or two but not a forgotten instance. */
const COUNTER_TTL_SECONDS = 7 * 24 * 3600;

export interface SweepResult {
  /** Instances this sweep looked at: a slice of the fleet (or all of it), the disconnected ones, the counted ones. */
  instances: number;
  /** The walk over the fleet: pages read this sweep, and whether it reached the end. */
  walk: { pages: number; done: boolean };
  suspects: string[];
  published: string[];
  /** Reached the threshold but could not be published: their count is stepped back so the next sweep tries again. */
  unpublished: string[];
  recovered: string[];
  cleared: string[];
}

export function instanceArn(instanceId: string, account?: string, region?: string): string | undefined {
  if (!account || !region) return undefined;
  return ID_PATTERNS.instanceId.test(instanceId)
    ? `arn:${partitionOf(region)}:ec2:${region}:${account}:instance/${instanceId}`
    : `arn:${partitionOf(region)}:ssm:${region}:${account}:managed-instance/${instanceId}`;
}

/** One agent-health sweep. Throws (and changes nothing) if the inventory or the counters cannot be read. */
export async function sweepAgents(deps: AgentSweepDeps, sweepId = 'agent-sweep'): Promise<SweepResult> {
  const now = deps.now();
  const [counts, cursor] = await Promise.all([
    deps.counters.listCounters(COUNTER_SCOPE),
    deps.cursor ? deps.cursor.get() : Promise.resolve(undefined),
  ]);
  const walk = await deps.inventory.walk(
    cursor,
    deps.cursor ? (deps.options.pagesPerSweep ?? Infinity) : Infinity,
  );
  // A walk that covered the whole fleet in this sweep saw everything: nothing else to read. Otherwise
  // the disconnected agents (server-side filter) and the counted ones the slice did not cover (by id).
  const whole = cursor === undefined && walk.next === undefined;
  const lost = whole ? [] : await deps.inventory.disconnected();
  const known = new Set([...walk.instances, ...lost].map((i) => i.instanceId));
  const recheck = whole ? [] : Object.keys(counts).filter((id) => (counts[id] ?? 0) > 0 && !known.has(id));
  const rechecked = recheck.length > 0 ? await deps.inventory.byIds(recheck) : [];
  const seen = new Map<string, AgentInstance>();
  for (const i of [...walk.instances, ...rechecked, ...lost]) seen.set(i.instanceId, i);
  const instances = [...seen.values()].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  const plan = planSweep(instances, counts, now, deps.options);
  const result: SweepResult = {
    instances: instances.length,
    walk: { pages: walk.pages, done: walk.next === undefined },
    suspects: [],
    published: [],
    unpublished: [],
    recovered: [],
    cleared: [],
  };

  // Failing instances: count atomically, announce the ones that reach N on this sweep.
  const announce: { instance: AgentInstance; detail: AgentDisconnectedDetail }[] = [];
  for (const { instance, reason } of plan.bump) {
    // Already announced: the count has done its work; no write per sweep while it stays down.
    if ((counts[instance.instanceId] ?? 0) >= deps.options.debounceSweeps) continue;
    const count = await deps.counters.bumpCounter(
      COUNTER_SCOPE,
      instance.instanceId,
      1,
      COUNTER_TTL_SECONDS,
      now,
    );
    const step = debounceStep(count, deps.options.debounceSweeps);
    if (step === 'suspect') result.suspects.push(instance.instanceId);
    if (step === 'disconnected') {
      announce.push({ instance, detail: disconnectedDetail(instance, reason, count, now) });
    }
  }
  if (announce.length) {
    const entries = announce.map(({ instance, detail }) => {
      const arn = instanceArn(instance.instanceId, deps.account, deps.region);
      return {
        source: AGENT_EVENT_SOURCE,
        detailType: AGENT_DISCONNECTED,
        detail,
        ...(arn ? { resources: [arn] } : {}),
      };
    });
    let failed: PublishFailure[];
    try {
      ({ failed } = await deps.publisher.publish(entries));
    } catch (e) {
      deps.log.error('PutEvents failed', { error: errorMessage(e), entries: entries.length });
      failed = entries.map((entry) => ({ entry, errorCode: 'PublishFailed', errorMessage: errorMessage(e) }));
    }
    const failedIds = new Set(failed.map((f) => (f.entry.detail as AgentDisconnectedDetail).instanceId));
    for (const { instance } of announce) {
      const id = instance.instanceId;
      if (!failedIds.has(id)) {
        result.published.push(id);
        continue;
      }
      result.unpublished.push(id);
      // Step back below N: the next sweep reaches N again and publishes then.
      await deps.counters
        .bumpCounter(COUNTER_SCOPE, id, -1, COUNTER_TTL_SECONDS, now)
        .catch((e) =>
          deps.log.error('could not step back a debounce count', { instanceId: id, error: errorMessage(e) }),
        );
    }
    for (const f of failed) {
      deps.log.error('SSM Agent Disconnected not published', {
        instanceId: (f.entry.detail as AgentDisconnectedDetail).instanceId,
        errorCode: f.errorCode,
        errorMessage: f.errorMessage,
      });
    }
  }

  // Healthy again (or gone): clear the count first, then tell once, so a retry never tells twice.
  for (const c of plan.clear) {
    await deps.counters.resetCounter(COUNTER_SCOPE, c.instanceId);
    if (!c.recovered) {
      result.cleared.push(c.instanceId);
      continue;
    }
    result.recovered.push(c.instanceId);
    try {
      await deps.notifier.notify(recoveredNotification(c.instanceId, c.previous, sweepId, now, deps));
    } catch (e) {
      deps.log.error('recovered notification failed', { instanceId: c.instanceId, error: errorMessage(e) });
    }
  }
  // The slice is done: the next sweep resumes after it (a sweep that failed before here reads it again).
  if (deps.cursor) await deps.cursor.put(walk.next);
  deps.log.info('agent-health sweep', {
    instances: result.instances,
    walk: result.walk,
    suspects: result.suspects.length,
    published: result.published,
    unpublished: result.unpublished,
    recovered: result.recovered,
    cleared: result.cleared.length,
  });
  return result;
}

export function recoveredNotification(
  instanceId: string,
  sweeps: number,
  sweepId: string,
  now: Date,
  where: { account?: string; region?: string } = {},
): Notification {
  const outcome: Outcome = {
    eventId: sweepId,
    outcome: 'succeeded',
    family: 'agent.disconnected',
    resourceType: instanceId.startsWith('mi-') ? 'AWS::SSM::ManagedInstance' : 'AWS::EC2::Instance',
    resourceId: instanceId,
    ...(where.account ? { account: where.account } : {}),
    ...(where.region ? { region: where.region } : {}),
    reason: `SSM Agent on ${instanceId} is Online again (it had failed ${sweeps} consecutive sweeps)`,
    actions: [],
    at: now.toISOString(),
  };
  return { outcome, title: 'SSM Agent reconnected' };
}
