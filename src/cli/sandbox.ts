/**
 * `remediator sandbox [--port N] [--speed X] [--seed N]`: runs the sandbox account (the service packaged and
 * deployed into a local AWS account) until Ctrl-C, printing the endpoint and the environment to export.
 *
 * `remediator send <event.json> [--endpoint URL]`: PutEvents of an event file (an EventBridge event as AWS
 * delivers it) through the real EventBridge client to a running sandbox, whose PutEvents feeds its bus.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandboxAccount, type SandboxAccount } from '../../sandbox/account.ts';
import { errorMessage } from '../model/errors.ts';
import { parseCommand, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

/** Packaging (`serverless package`, whose plugin runs scripts/ through tsx) needs the dev dependencies. */
export const PACKAGING_NOTE =
  'Packaging the service needs the dev dependencies (serverless, tsx): a clone after `npm ci`, not\n' +
  '`npm ci --omit=dev`. With --template-dir DIR (a `serverless package` output) nothing is packaged.';

export const SANDBOX = {
  name: 'sandbox',
  brief: 'run the sandbox account with the service deployed, until Ctrl-C',
  summary:
    'Runs the sandbox account (a local AWS endpoint with the service packaged and deployed into it)\n' +
    'until Ctrl-C, and prints the endpoint and the environment to export.',
  options: {
    port: {
      type: 'integer',
      value: 'N',
      min: 0,
      max: 65535,
      help: 'port to listen on (0: any free port; default 4566)',
    },
    speed: { type: 'number', value: 'X', help: 'simulated seconds per wall second (default 1)' },
    seed: { type: 'integer', value: 'N', help: 'seed for faults, drops and duplicates (default 1)' },
    'template-dir': {
      type: 'string',
      value: 'DIR',
      help: 'deploy this `serverless package` output instead of packaging',
    },
  },
  more: PACKAGING_NOTE,
} as const satisfies CommandSpec;

export const SEND = {
  name: 'send',
  brief: 'PutEvents an event file to a running sandbox',
  args: '<event.json>',
  positionals: { min: 1, max: 1 },
  summary:
    'PutEvents of an event file (an EventBridge event as AWS delivers it) to a running sandbox, through\n' +
    'the real EventBridge client; the sandbox routes it to the deployed service.',
  options: {
    endpoint: {
      type: 'string',
      value: 'URL',
      help: 'the sandbox (default $AWS_ENDPOINT_URL or http://127.0.0.1:4566)',
    },
    region: { type: 'string', value: 'REGION', help: 'default $AWS_REGION or us-east-1' },
  },
  more: 'Example:\n  remediator send examples/events/config-rules-compliance-change-noncompliant.json --endpoint http://127.0.0.1:4566',
} as const satisfies CommandSpec;

/** Two levels up from src/cli/ or dist/cli/. */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Why the service cannot be packaged here (the dev dependency is missing), or undefined. */
export function packagingUnavailable(projectRoot: string): string | undefined {
  if (existsSync(join(projectRoot, 'node_modules/serverless/bin/serverless.js'))) return undefined;
  return 'packaging the service needs the dev dependency serverless (osls), which is not installed: run `npm ci`, or pass --template-dir DIR';
}

export interface SandboxCommandOptions {
  /** Stops the sandbox (default: SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once the account is up (tests). */
  onReady?: (account: SandboxAccount) => void;
  projectRoot?: string;
}

export async function sandboxCommand(
  argv: string[],
  io: Io,
  opts: SandboxCommandOptions = {},
): Promise<number> {
  const args = parseCommand(SANDBOX, argv, io);
  if (typeof args === 'number') return args;
  const { values } = args;
  const port = values.port ?? 4566;
  const speed = values.speed ?? 1;
  const seed = values.seed ?? 1;
  const projectRoot = opts.projectRoot ?? PROJECT_ROOT;
  const missing = values['template-dir'] ? undefined : packagingUnavailable(projectRoot);
  if (missing) {
    io.err(`remediator sandbox: ${missing}`);
    return 1;
  }

  const busy = `remediator sandbox: port ${port} is in use (another sandbox?): stop it, or pass --port N, or --port 0 for any free port`;
  if (port !== 0 && !(await portIsFree(port))) {
    io.err(busy);
    return 1;
  }
  io.err('packaging and deploying the service into the sandbox account ...');
  let account: SandboxAccount;
  try {
    account = await startSandboxAccount({
      port,
      speed,
      seed,
      projectRoot,
      ...(values['template-dir'] ? { templateDir: values['template-dir'] } : {}),
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') io.err(busy);
    else io.err(`remediator sandbox: failed to start: ${errorMessage(e)}`);
    return 1;
  }
  seedExample(account);
  const d = account.deployed;
  const env = account.env();
  const killSwitch = Object.values(d.parameters).find((p) => p.name.endsWith('/kill-switch'))?.name;
  io.out(
    [
      `sandbox account ${account.account} (${account.region}) at ${account.url}  (stage ${d.stage}, clock x${speed})`,
      `deployed: ${Object.keys(d.functions).join(', ')} | rules ${Object.values(d.rules)
        .map((r) => r.name)
        .join(', ')}`,
      `queues: ${Object.values(d.queues)
        .map((q) => q.name)
        .join(', ')}`,
      '',
      'export these to use the AWS CLI or SDKs against it:',
      `  export ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      '',
      'try:',
      `  remediator send examples/events/config-rules-compliance-change-noncompliant.json --endpoint ${account.url}`,
      `  remediator history --resource sg-0a1b2c3d4e5f67890 --endpoint ${account.url}`,
      `  aws ssm describe-automation-executions --endpoint-url ${account.url}`,
      ...(killSwitch
        ? [
            `  aws ssm put-parameter --overwrite --type String --name ${killSwitch} --value on --endpoint-url ${account.url}`,
          ]
        : []),
      ...Object.values(d.queues)
        .slice(0, 1)
        .map((q) => `  aws sqs receive-message --queue-url ${q.url} --endpoint-url ${account.url}`),
      '',
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  opts.onReady?.(account);
  await new Promise<void>((resolve) => {
    if (opts.signal) {
      if (opts.signal.aborted) return resolve();
      opts.signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const s = account.bus.stats();
  io.err(
    `stopping: ${s.events} event(s), ${s.invocations} invocation(s), ${s.functionErrors} function error(s), ${s.lost} lost`,
  );
  await account.close();
  return 0;
}

/** Whether the sandbox could listen on 127.0.0.1:port (checked before packaging, so a busy port fails at once). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

export async function sendCommand(argv: string[], io: Io): Promise<number> {
  const args = parseCommand(SEND, argv, io);
  if (typeof args === 'number') return args;
  const { values } = args;
  const file = args.positionals[0]!;
  const endpoint = values.endpoint ?? io.env['AWS_ENDPOINT_URL'] ?? 'http://127.0.0.1:4566';
  let event: Record<string, unknown>;
  try {
    const parsedEvent: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!parsedEvent || typeof parsedEvent !== 'object' || Array.isArray(parsedEvent))
      throw new Error('not a JSON object');
    event = parsedEvent as Record<string, unknown>;
  } catch (e) {
    io.err(`remediator send: ${file}: ${errorMessage(e)}`);
    return 1;
  }
  const missing = ['source', 'detail-type', 'detail'].filter((k) => event[k] === undefined);
  if (missing.length > 0) {
    io.err(`remediator send: ${file}: not an EventBridge event (no ${missing.join(', ')})`);
    return 1;
  }
  const client = new EventBridgeClient({
    endpoint,
    region: values.region ?? io.env['AWS_REGION'] ?? 'us-east-1',
    credentials: {
      accessKeyId: io.env['AWS_ACCESS_KEY_ID'] ?? 'test',
      secretAccessKey: io.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
    },
  });
  try {
    const time = typeof event['time'] === 'string' ? new Date(event['time']) : undefined;
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: String(event['source']),
            DetailType: String(event['detail-type']),
            Detail: JSON.stringify(event['detail']),
            Resources: Array.isArray(event['resources']) ? event['resources'].map(String) : [],
            ...(time && !Number.isNaN(time.getTime()) ? { Time: time } : {}),
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if (!entry || out.FailedEntryCount) {
      io.err(`PutEvents failed: ${entry?.ErrorCode ?? '?'}: ${entry?.ErrorMessage ?? ''}`);
      return 1;
    }
    io.out(
      `sent ${String(event['detail-type'])} from ${String(event['source'])} to ${endpoint}: event id ${entry.EventId}`,
    );
    return 0;
  } catch (e) {
    io.err(`PutEvents to ${endpoint} failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    client.destroy();
  }
}

/**
 * A small account to explore by hand (the README's AWS CLI examples use it): three managed
 * instances, the `prod-change-freeze` calendar (open: no event yet), and the security group of
 * examples/events/config-rules-compliance-change-noncompliant.json known to Config, so
 * `remediator send` on that file runs the whole flow. Scenarios (`remediator rehearse`) seed their own.
 */
function seedExample(account: SandboxAccount): void {
  for (const [i, platform] of (['Linux', 'Linux', 'Windows'] as const).entries()) {
    account.ssm.addInstance({ InstanceId: `i-0example00000000${i}`, PlatformType: platform });
  }
  account.ssm.addCalendar('prod-change-freeze', {
    type: 'DEFAULT_OPEN',
    description: 'production change freeze',
  });
  account.config.putRule('restricted-ssh');
  account.config.setCompliance(
    'restricted-ssh',
    { resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-0a1b2c3d4e5f67890' },
    'COMPLIANT',
    { evaluate: true },
  );
}
