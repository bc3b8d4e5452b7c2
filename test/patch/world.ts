/**
 * A small world for the patch fan-out tests: the real ledger on dynalite, the real SSM adapters over
 * aws-sdk-client-mock (agent status from a table, SendCommand recorded), stub switches/tags/calendar,
 * and a notifier and dead-letter port that keep what they were given.
 */
import {
  DescribeInstanceInformationCommand,
  SendCommandCommand,
  SSMClient,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type SSMClientResolvedConfig,
} from '@aws-sdk/client-ssm';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import entries from 'virtual:runbooks';
import { ssmCommands } from '../../src/adapters/commands-ssm.ts';
import { ssmFleet } from '../../src/adapters/fleet-ssm.ts';
import type { EngineDeps } from '../../src/core/engine.ts';
import type { FanoutRecord } from '../../src/core/fanout.ts';
import { DEFAULT_LIMITS } from '../../src/core/gates.ts';
import { createRegistry } from '../../src/core/registry.ts';
import type { Mode } from '../../src/model/types.ts';
import type { Notification } from '../../src/ports/index.ts';
import { patchCommandFailedEvent, patchNonCompliantEvent } from '../../src/runbooks/_instance-examples.ts';
import type { StartedLedger } from '../helpers/dynalite.ts';

export const instanceId = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;
export const eventId = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const BASE = Date.parse('2025-03-04T03:00:00Z');
let commandIds = 0;

/** The SQS record EventBridge would write for patch failure `n` (command invocation Failed). */
export function failureRecord(n: number, kind: 'command' | 'compliance' = 'command'): FanoutRecord {
  const time = new Date(BASE + n * 1000).toISOString();
  const event =
    kind === 'command'
      ? patchCommandFailedEvent(instanceId(n), 'Failed', time, eventId(n))
      : patchNonCompliantEvent(instanceId(n), 'Patch', time, eventId(100_000 + n));
  return { id: `msg-${kind}-${n}`, body: JSON.stringify(event) };
}

export interface World {
  deps: EngineDeps;
  ssm: AwsStub<ServiceInputTypes, ServiceOutputTypes, SSMClientResolvedConfig>;
  ping: Map<string, string>;
  notifications: Notification[];
  deadLetters: { event: unknown; reason: string; field?: string }[];
  sendCalls(): {
    DocumentName?: string;
    InstanceIds?: string[];
    MaxConcurrency?: string;
    MaxErrors?: string;
    TimeoutSeconds?: number;
    Parameters?: Record<string, string[]>;
  }[];
  failNextSends(n: number, name?: string): void;
}

export function world(ledger: StartedLedger, opts: { mode?: Mode; now?: Date } = {}): World {
  const client = new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const ssm = mockClient(client);
  const ping = new Map<string, string>();
  let failures: { n: number; name: string } = { n: 0, name: 'ThrottlingException' };
  ssm
    .on(DescribeInstanceInformationCommand)
    .callsFake((input: { Filters?: { Key: string; Values: string[] }[] }) => {
      const ids = input.Filters?.find((f) => f.Key === 'InstanceIds')?.Values ?? [];
      return {
        InstanceInformationList: ids
          .filter((id) => ping.has(id))
          .map((id) => ({ InstanceId: id, PingStatus: ping.get(id), PlatformType: 'Linux' })),
      };
    });
  ssm.on(SendCommandCommand).callsFake((input: { DocumentName: string }) => {
    if (failures.n > 0) {
      failures.n--;
      throw Object.assign(new Error('Rate exceeded'), { name: failures.name });
    }
    commandIds++;
    return {
      Command: {
        // Unique across worlds, as real command ids are: the ledger keys executions by them.
        CommandId: `${commandIds.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
        DocumentName: input.DocumentName,
      },
    };
  });
  const notifications: Notification[] = [];
  const deadLetters: World['deadLetters'] = [];
  const now = opts.now ?? new Date('2025-03-04T04:00:00Z');
  const deps: EngineDeps = {
    registry: createRegistry(entries),
    config: {
      stage: 'test',
      // A stage default calendar (the stub reads it OPEN): with none the engine fails closed.
      defaultCalendars: ['test-changes'],
      limits: { ...DEFAULT_LIMITS, budgetPerHour: 1000 },
      settings: {},
    },
    switches: {
      read: async () => ({ killSwitch: false, modes: { 'patch-baseline-install': opts.mode ?? 'auto' } }),
    },
    tags: { tagsFor: async () => ({}) },
    calendar: { state: async () => ({ state: 'OPEN' }) },
    fleet: ssmFleet(client),
    automation: { start: async () => ({ executionId: 'unused' }) },
    commands: ssmCommands(client, { sleep: async () => undefined }),
    ledger: ledger.ledger,
    notifier: { notify: async (n) => void notifications.push(n) },
    deadLetter: { send: async (event, reason, field) => void deadLetters.push({ event, reason, field }) },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    now: () => now,
  };
  return {
    deps,
    ssm,
    ping,
    notifications,
    deadLetters,
    sendCalls: () => ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input),
    failNextSends(n, name = 'ThrottlingException') {
      failures = { n, name };
    },
  };
}
