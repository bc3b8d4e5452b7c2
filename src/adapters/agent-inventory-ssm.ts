import { DescribeInstanceInformationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { AgentInstance, AgentInventoryPort } from '../ports/agent-inventory.ts';
import { systemClock } from './system-clock.ts';

export interface InventoryOptions {
  /** MaxResults per page (SSM allows 5–50). */
  pageSize?: number;
  /** DescribeInstanceInformation calls per second at most, across the sweep (SSM publishes no rate). */
  callsPerSecond?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

type Filter = { Key: string; Values: string[] };

/** SSM's answer to a NextToken it no longer knows (expired, or from another filter set). */
const isStaleToken = (e: unknown): boolean =>
  e instanceof Error && (e.name === 'InvalidNextToken' || e.name === 'InvalidNextTokenException');

/**
 * The managed instances the agent-health sweep reads, through DescribeInstanceInformation, paced to
 * `callsPerSecond` (the SDK's retry strategy handles a throttle on top):
 *
 * - `disconnected`: every page of the server-side filter PingStatus = ConnectionLost | Inactive (the
 *   few that are lost, whatever the fleet's size);
 * - `byIds`: instances by id (InstanceIds filter, 50 a call), to follow up the ones already counted;
 * - `walk`: up to `maxPages` pages of every agent from a cursor (SSM's NextToken), for stale pings;
 *   the sweep keeps the cursor in the ledger and resumes there, so a fleet of any size is read a
 *   slice per sweep instead of in one long run. A token SSM no longer accepts restarts the walk.
 *
 * Stopped and terminated instances are not listed by SSM.
 */
export function ssmAgentInventory(ssm: SSMClient, opts: InventoryOptions = {}): AgentInventoryPort {
  const pageSize = opts.pageSize ?? 50;
  const gapMs = opts.callsPerSecond ? 1000 / opts.callsPerSecond : 0;
  const sleep = opts.sleep ?? systemClock.sleep;
  const now = opts.now ?? (() => systemClock.now().getTime());
  let last = -Infinity;

  async function page(filters: Filter[], NextToken?: string) {
    const wait = last + gapMs - now();
    if (wait > 0) await sleep(wait);
    last = now();
    const out = await ssm.send(
      new DescribeInstanceInformationCommand({
        ...(filters.length > 0 ? { Filters: filters } : {}),
        MaxResults: pageSize,
        NextToken,
      }),
    );
    return { instances: rows(out.InstanceInformationList ?? []), next: out.NextToken || undefined };
  }

  async function all(Filters: Filter[]): Promise<AgentInstance[]> {
    const out: AgentInstance[] = [];
    let token: string | undefined;
    do {
      const p = await page(Filters, token);
      out.push(...p.instances);
      token = p.next;
    } while (token);
    return out;
  }

  return {
    disconnected: () => all([{ Key: 'PingStatus', Values: ['ConnectionLost', 'Inactive'] }]),
    async byIds(ids) {
      const out: AgentInstance[] = [];
      for (let i = 0; i < ids.length; i += 50)
        out.push(...(await all([{ Key: 'InstanceIds', Values: ids.slice(i, i + 50) }])));
      return out;
    },
    async walk(cursor, maxPages) {
      const filters: Filter[] = [];
      const instances: AgentInstance[] = [];
      let token = cursor;
      let pages = 0;
      let restarted = false;
      while (pages < maxPages) {
        let p;
        try {
          p = await page(filters, token);
        } catch (e) {
          if (!isStaleToken(e) || token === undefined || restarted) throw e;
          restarted = true;
          token = undefined;
          continue;
        }
        pages += 1;
        instances.push(...p.instances);
        token = p.next;
        if (!token) break;
      }
      return { instances, pages, ...(token ? { next: token } : {}) };
    },
  };
}

function rows(list: import('@aws-sdk/client-ssm').InstanceInformation[]): AgentInstance[] {
  const out: AgentInstance[] = [];
  for (const i of list) {
    if (!i.InstanceId) continue;
    out.push({
      instanceId: i.InstanceId,
      pingStatus: i.PingStatus ?? 'Unknown',
      ...(i.LastPingDateTime ? { lastPingDateTime: new Date(i.LastPingDateTime).toISOString() } : {}),
      ...(i.PlatformType ? { platformType: i.PlatformType } : {}),
      ...(i.ResourceType ? { resourceType: i.ResourceType } : {}),
    });
  }
  return out;
}
