/**
 * `remediator sandbox [--port N] [--speed X] [--seed N]`: runs the sandbox account (the service packaged and
 * deployed into a local AWS account) until Ctrl-C, printing the endpoint and the environment to export.
 *
 * `remediator send <event.json> [--endpoint URL]`: PutEvents of an event file (an EventBridge event as AWS
 * delivers it) through the real EventBridge client to a running sandbox, whose PutEvents feeds its bus.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSandboxAccount, type SandboxAccount } from '../../sandbox/account.ts';
import type { Io } from './io.ts';

export const SANDBOX_USAGE = `remediator sandbox [--port N] [--speed X] [--seed N] [--template-dir DIR]`;
export const SEND_USAGE = `remediator send <event.json> [--endpoint URL]`;

/** Two levels up from src/cli/ or .build/cli/. */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

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
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '4566' },
        speed: { type: 'string', default: '1' },
        seed: { type: 'string', default: '1' },
        'template-dir': { type: 'string' },
      },
    }));
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : String(e)}\nusage: ${SANDBOX_USAGE}`);
    return 2;
  }
  const port = Number(values.port);
  const speed = Number(values.speed);
  const seed = Number(values.seed);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return usage(io, SANDBOX_USAGE, `--port must be 0-65535`);
  if (!(speed > 0)) return usage(io, SANDBOX_USAGE, `--speed must be a positive number`);
  if (!Number.isInteger(seed)) return usage(io, SANDBOX_USAGE, `--seed must be an integer`);

  io.err('packaging and deploying the service into the sandbox account ...');
  let account: SandboxAccount;
  try {
    account = await startSandboxAccount({
      port,
      speed,
      seed,
      projectRoot: opts.projectRoot ?? PROJECT_ROOT,
      ...(values['template-dir'] ? { templateDir: values['template-dir'] } : {}),
    });
  } catch (e) {
    io.err(`sandbox failed to start: ${e instanceof Error ? e.message : String(e)}`);
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

export async function sendCommand(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { endpoint: { type: 'string' }, region: { type: 'string' } },
    });
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : String(e)}\nusage: ${SEND_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const file = positionals[0];
  if (!file) return usage(io, SEND_USAGE, 'an event file is required');
  const endpoint = values.endpoint ?? io.env['AWS_ENDPOINT_URL'] ?? 'http://127.0.0.1:4566';
  let event: Record<string, unknown>;
  try {
    const parsedEvent: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!parsedEvent || typeof parsedEvent !== 'object' || Array.isArray(parsedEvent))
      throw new Error('not a JSON object');
    event = parsedEvent as Record<string, unknown>;
  } catch (e) {
    io.err(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const missing = ['source', 'detail-type', 'detail'].filter((k) => event[k] === undefined);
  if (missing.length > 0)
    return usage(io, SEND_USAGE, `${file}: not an EventBridge event (no ${missing.join(', ')})`);
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

function usage(io: Io, text: string, message: string): number {
  io.err(`${message}\nusage: ${text}`);
  return 2;
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
