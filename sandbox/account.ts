/**
 * The sandbox account: one local AWS account (123456789012, us-east-1) with the service deployed into it.
 *
 *   const acct = await startSandboxAccount({ seed: 7 });
 *   acct.bus.put(event);            // or PutEvents through the real SDK to acct.url
 *   await acct.bus.idle();
 *   acct.ssm.listAutomationExecutions(); acct.sns.messages(); acct.slack.messages();
 *   acct.sqs.bodies(acct.deployed.queues['RejectedEventsQueue']!.url);
 *   await acct.close();
 *
 * `startSandboxAccount(opts)`:
 * - starts the HTTP front door (./server.ts) with SSM (+ Parameter Store), SNS, SQS, Tagging, Config,
 *   EventBridge (PutEvents feeds the bus), DynamoDB (dynalite) and the Slack receiver;
 * - packages the service (`serverless package --stage sandbox`, on a copy of the project) unless
 *   `templateDir` names an existing package, and deploys it (./deploy.ts): topics, queues, table,
 *   parameters, documents, functions (real bundles in worker threads, ./lambda.ts), rules, async
 *   invoke configs, event-source mappings, all on the default bus (./bus.ts);
 * - puts the Slack webhook URL (pointing at the sandbox's receiver) in Parameter Store as a SecureString
 *   under the functions' SLACK_WEBHOOK_PARAM; seeds nothing else (scenarios seed fleets).
 *
 * Options: speed (a wall-clock pace: sim time runs `speed` times wall time; leave it unset for virtual
 * time, which moves only when the account is quiet — see ./clock.ts), manualClock (virtual), start (sim start
 * time), seed (faults, bus drops/duplicates), port (0 = free port), projectRoot (default: this repo),
 * templateDir (a package dir to deploy instead of packaging), params (stage params for packaging),
 * faults (FaultRule[]: API faults, plus `delivery:lambda` / `delivery:sqs` for bus delivery failures),
 * busFaults ({ dropRate, duplicateRate }), limits (rate limits, default Parameter Store's 40 TPS),
 * schedules (fire scheduled rules, default true), concurrency (containers per function, default 10),
 * echoLogs (copy function output to stderr).
 *
 * The handle (stable API, used by `remediator rehearse`): url, account, region, stage, clock, bus,
 * lambda, ssm (SsmState), parameters, sns, sqs, slack, config, tagging, events (PutEvents log), calls
 * (CallCounter), faults (FaultController), limiter, logs, deployed, slackWebhookUrl, env(), queueUrl(),
 * queueBodies(), fn(), invoke(), close().
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEventBus, type BusFaults, type EventBus } from './bus.ts';
import { createIdentities, type Identities } from './identities.ts';
import type { CallCounter } from './calls.ts';
import { createClock, type SimClock } from './clock.ts';
import { deployTemplate, type Deployed } from './deploy.ts';
import { FaultController, type FaultRule } from './faults.ts';
import { createSandboxIam, type SandboxIam } from './iam/index.ts';
import {
  createLambdaRuntime,
  type FunctionSpec,
  type InvocationRecord,
  type LambdaRuntime,
  type LogLine,
} from './lambda.ts';
import type { RateLimiter, RateLimits } from './ratelimit.ts';
import { createIds, createRng } from './rng.ts';
import { startSandboxServer } from './server.ts';
import { createConfigService, type ConfigService } from './services/config.ts';
import { createEventBridgeService, type EventBridgeService } from './services/eventbridge.ts';
import { createParameterStore, parameterOperations, type ParameterStore } from './services/parameters.ts';
import { createSlackReceiver, type SlackReceiver } from './services/slack.ts';
import { createSnsService, type SnsService } from './services/sns.ts';
import { createSqsService, type SqsService } from './services/sqs.ts';
import { createStsService } from './services/sts.ts';
import { createTaggingService, type TaggingService } from './services/tagging.ts';
import { createSsmService, type SsmState } from './ssm/index.ts';
import { packageService } from './template.ts';
import type { BusEvent } from './types.ts';

export const SANDBOX_STAGE = 'sandbox';
export const SANDBOX_ACCOUNT = '123456789012';
/**
 * The sandbox stage's operator principal (serverless.yml `operatorPrincipals` for stage sandbox): an
 * SDK client or the CLI signing with this access key may put `Remediation Requested` on the bus.
 */
export const SANDBOX_OPERATOR = {
  accessKeyId: 'operator',
  principalArn: `arn:aws:iam::${SANDBOX_ACCOUNT}:role/ssm-remediator-sandbox-operator`,
} as const;
export const SANDBOX_REGION = 'us-east-1';
const RUNNING = new Set(['Pending', 'InProgress', 'Waiting', 'Cancelling', 'Delayed']);

export interface SandboxAccountOptions {
  speed?: number;
  manualClock?: boolean;
  start?: Date;
  seed?: number;
  port?: number;
  projectRoot?: string;
  templateDir?: string;
  params?: Record<string, string>;
  faults?: FaultRule[];
  busFaults?: BusFaults;
  limits?: RateLimits;
  schedules?: boolean;
  concurrency?: number;
  echoLogs?: boolean;
  /** Evaluate the template's IAM policies for the functions' calls and deliveries (default true). */
  iam?: boolean;
}

export interface SandboxLogs {
  /** Every line the functions wrote (one function's, if given). */
  lines(fn?: string): LogLine[];
  /** The structured (JSON) lines, parsed. */
  json(fn?: string): Array<Record<string, unknown>>;
  /** All output as one text, for "does this secret appear anywhere" checks. */
  text(fn?: string): string;
}

export interface SandboxAccount {
  url: string;
  account: string;
  region: string;
  stage: string;
  clock: SimClock;
  bus: EventBus;
  /** Callers by SigV4 access key: `identities.register(key, principalArn)` to act as an operator role. */
  identities: Identities;
  lambda: LambdaRuntime;
  ssm: SsmState;
  parameters: ParameterStore;
  sns: SnsService;
  sqs: SqsService;
  slack: SlackReceiver;
  config: ConfigService;
  tagging: TaggingService;
  /** Events accepted by PutEvents. */
  events: EventBridgeService;
  /** IAM: the functions' roles from the template, evaluated for every call and delivery; denials. */
  iam: SandboxIam;
  calls: CallCounter;
  faults: FaultController;
  limiter: RateLimiter;
  logs: SandboxLogs;
  deployed: Deployed;
  slackWebhookUrl: string;
  /**
   * The Slack app's signing secret, seeded as a SecureString under the approval callback's
   * SLACK_SIGNING_SECRET_PARAM (the sandbox's Slack signs interactive callbacks with it; docs/approvals.md).
   */
  slackSigningSecret?: string;
  /** The Slack app's bot token, seeded under SLACK_BOT_TOKEN_PARAM (Web API `usergroups.users.list`). */
  slackBotToken?: string;
  /** The environment a CLI/SDK needs to reach the sandbox (AWS_ENDPOINT_URL, test credentials, region). */
  env(): Record<string, string>;
  /** A deployed queue's URL by logical id ('RejectedEventsQueue') or name. */
  queueUrl(ref: string): string;
  /** Parsed bodies of every message ever sent to a deployed queue (logical id or name). */
  queueBodies(ref: string): unknown[];
  /** A deployed function by serverless key ('remediate'), name or ARN. */
  fn(ref: string): FunctionSpec;
  /** Synchronous invoke of a deployed function (like `aws lambda invoke`). */
  invoke(fn: string, event: unknown): Promise<InvocationRecord>;
  close(): Promise<void>;
}

const defaultProjectRoot = (): string => resolve(fileURLToPath(new URL('..', import.meta.url)));

export async function startSandboxAccount(opts: SandboxAccountOptions = {}): Promise<SandboxAccount> {
  const account = SANDBOX_ACCOUNT;
  const region = SANDBOX_REGION;
  const seed = opts.seed ?? 1;
  const projectRoot = opts.projectRoot ?? defaultProjectRoot();
  // Virtual time unless a speed is asked for (the interactive `remediator sandbox`): simulated time
  // moves when the account is quiet, so a slow machine reaches the same simulated outcome.
  const clock = createClock({
    speed: opts.speed ?? 1,
    virtual: opts.manualClock || opts.speed === undefined,
    ...(opts.start ? { start: opts.start } : {}),
  });
  const faults = new FaultController({ seed, rules: opts.faults ?? [] });
  let url = '';
  const endpoint = (): string => url;

  const sqs = createSqsService({ account, region, clock, endpoint });
  // Filled in below (the SSM, Config and deployed tables it reads are created after it).
  const lookups = {
    instanceTags: (_id: string): Record<string, string> | undefined => undefined,
    configRuleArn: (_name: string): string | undefined => undefined,
    partitionKey: (_table: string): string | undefined => undefined,
  };
  const iam = createSandboxIam({
    account,
    region,
    clock,
    env: {
      queueArn: (url) => sqs.queue(url)?.arn,
      instanceTags: (id) => lookups.instanceTags(id),
      configRuleArn: (name) => lookups.configRuleArn(name),
      partitionKey: (table) => lookups.partitionKey(table),
    },
  });
  iam.enforce = opts.iam ?? true;
  const lambda = createLambdaRuntime({
    clock,
    endpoint,
    region,
    account,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    echo: opts.echoLogs ?? false,
    seed,
  });
  const bus = createEventBus({
    clock,
    lambda,
    sqs,
    account,
    region,
    faults,
    seed,
    iam,
    ...(opts.busFaults ? { busFaults: opts.busFaults } : {}),
    ...(opts.schedules !== undefined ? { schedules: opts.schedules } : {}),
  });
  const parameters = createParameterStore({ account, region, clock, sink: bus, ids: createIds(seed + 11) });
  const { def: ssmDef, state: ssm } = createSsmService({
    clock,
    events: bus,
    account,
    region,
    rng: createRng(seed + 1),
    extraOperations: parameterOperations(parameters),
  });
  // Idle means the executions the account started have ended too (they end on the sim clock).
  bus.watch(() => {
    const running =
      [
        ...ssm.listAutomationExecutions().filter((x) => RUNNING.has(x.status)),
        ...ssm.listCommands().filter((c) => RUNNING.has(c.Status)),
      ].length + ssm.associations.running;
    return running > 0 ? [`${running} SSM execution(s), command(s) or association run(s) running`] : [];
  });
  const sns = createSnsService({ account, region, clock, sqs });
  // Callers by access key: each function signs with its role's key (deploy registers them).
  const identities = createIdentities(account);
  identities.register(SANDBOX_OPERATOR.accessKeyId, SANDBOX_OPERATOR.principalArn);
  const config = createConfigService({ sink: bus, clock, account, region, ids: createIds(seed + 12) });
  const tagging = createTaggingService();
  const events = createEventBridgeService({
    clock,
    account,
    region,
    sink: { emit: (e: BusEvent) => bus.put(e, { via: 'put-events' }) },
    putOn: (e: BusEvent, eventBusName: string) => bus.put(e, { via: 'put-events', eventBusName }),
    buses: () => bus.buses(),
    busPolicy: (name: string) => bus.busPolicy(name),
    identities,
    // The operator plays AWS services: `remediator send config-event.json` must reach the rules.
    allowAwsSources: true,
    rules: () => bus.rules(),
    ids: createIds(seed + 13),
  });
  const slack = createSlackReceiver({ clock });
  lookups.instanceTags = (id) => ssm.getInstance(id)?.tags;
  lookups.configRuleArn = (name) => config.rules().find((r) => r.name === name)?.arn;

  const server = await startSandboxServer({
    port: opts.port ?? 0,
    services: [ssmDef, sns, sqs, sqs.query, tagging, config, events, createStsService(identities)],
    dynamodb: true,
    account,
    region,
    faults,
    ...(opts.limits ? { limits: opts.limits } : {}),
    slack,
    clock,
    authorize: (call, input) => iam.authorizeCall(call, input),
  });
  url = server.url;

  let packaged: string | undefined;
  let codeRoot: string | undefined;
  const cleanup = async (): Promise<void> => {
    bus.close();
    await lambda.close();
    await server.close();
    // Only what this account created: the package it wrote and the directory deploy unpacked zips into.
    if (packaged) rmSync(packaged, { recursive: true, force: true });
    if (codeRoot) rmSync(codeRoot, { recursive: true, force: true });
  };

  let deployed: Deployed;
  try {
    let templateDir = opts.templateDir;
    if (!templateDir) {
      packaged = await packageService({
        projectRoot,
        stage: SANDBOX_STAGE,
        region,
        ...(opts.params ? { params: opts.params } : {}),
      });
      templateDir = packaged;
    }
    deployed = await deployTemplate(
      { endpoint: url, account, region, sns, sqs, parameters, ssm, lambda, bus, identities },
      { templateDir, projectRoot },
    );
    codeRoot = deployed.codeRoot;
    loadIam(iam, deployed);
    lookups.partitionKey = (table) => partitionKeyOf(deployed, table);
  } catch (e) {
    await cleanup();
    throw e;
  }

  // The Slack webhook: a SecureString under the name the functions read, pointing at the receiver.
  const webhookParam = Object.values(deployed.functions)
    .map((f) => f.environment['SLACK_WEBHOOK_PARAM'])
    .find((x): x is string => !!x);
  const token = createRng(seed + 2)()
    .toString(36)
    .slice(2, 14)
    .padEnd(12, 'x');
  const slackWebhookUrl = `${url}/slack/T0SANDBOX/B0SANDBOX/${token}`;
  if (webhookParam) {
    parameters.put({ name: webhookParam, value: slackWebhookUrl, type: 'SecureString', overwrite: true });
  }
  // The Slack app's signing secret (approvals): a SecureString where the approval callback reads it.
  const signingParam = Object.values(deployed.functions)
    .map((f) => f.environment['SLACK_SIGNING_SECRET_PARAM'])
    .find((x): x is string => !!x);
  const slackSigningSecret = signingParam ? signingSecretFor(seed) : undefined;
  if (signingParam && slackSigningSecret)
    parameters.put({ name: signingParam, value: slackSigningSecret, type: 'SecureString', overwrite: true });
  // The Slack app's bot token (approvers that are user groups): a SecureString the approval callback
  // reads, the one the sandbox's Slack Web API accepts; its Web API is this server (slackApiUrl).
  const botTokenFn = Object.values(deployed.functions).find((f) => f.environment['SLACK_BOT_TOKEN_PARAM']);
  const slackBotToken = botTokenFn ? `xoxb-sandbox-${signingSecretFor(seed + 7).slice(0, 24)}` : undefined;
  if (botTokenFn && slackBotToken) {
    const botToken = slackBotToken;
    parameters.put({
      name: botTokenFn.environment['SLACK_BOT_TOKEN_PARAM']!,
      value: botToken,
      type: 'SecureString',
      overwrite: true,
    });
    slack.setBotToken(botToken);
    lambda.updateEnvironment(botTokenFn.name, { SLACK_API_URL: `${url}/slack/api` });
  }
  // The stage's default change calendars (serverless.yml params): the deployer would have created
  // them; the sandbox seeds any that is missing, always OPEN (scenarios and tests add their own).
  const defaultCalendars = new Set(
    Object.values(deployed.functions).flatMap((f) =>
      (f.environment['DEFAULT_CALENDARS'] ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  );
  for (const name of defaultCalendars)
    if (!name.startsWith('arn:') && !ssm.documents.get(name))
      ssm.addCalendar(name, { type: 'DEFAULT_OPEN', events: [] });
  bus.startSchedules();

  const queueRef = (ref: string): string => {
    const q =
      deployed.queues[ref] ??
      Object.values(deployed.queues).find((x) => x.name === ref || x.url === ref || x.arn === ref);
    if (!q) throw new Error(`no deployed queue ${ref} (have ${Object.keys(deployed.queues).join(', ')})`);
    return q.url;
  };
  const fn = (ref: string): FunctionSpec => {
    const f = deployed.functions[ref] ?? lambda.get(ref);
    if (!f)
      throw new Error(`no deployed function ${ref} (have ${Object.keys(deployed.functions).join(', ')})`);
    return f;
  };
  const logs: SandboxLogs = {
    lines: (f) => lambda.logs(f === undefined ? undefined : fn(f).name),
    json: (f) => logs.lines(f).flatMap((l) => (l.json ? [l.json] : [])),
    text: (f) =>
      logs
        .lines(f)
        .map((l) => l.text)
        .join('\n'),
  };

  return {
    url,
    account,
    region,
    stage: deployed.stage,
    clock,
    bus,
    identities,
    lambda,
    ssm,
    parameters,
    sns,
    sqs,
    slack,
    config,
    tagging,
    events,
    iam,
    calls: server.calls,
    faults: server.faults,
    limiter: server.limiter,
    logs,
    deployed,
    slackWebhookUrl,
    ...(slackSigningSecret ? { slackSigningSecret } : {}),
    ...(slackBotToken ? { slackBotToken } : {}),
    env: () => ({
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
    }),
    queueUrl: queueRef,
    queueBodies: (ref) => sqs.bodies(queueRef(ref)),
    fn,
    invoke: (f, event) => clock.drive(lambda.invoke(fn(f).name, event)),
    close: cleanup,
  };
}

/** A Slack-shaped signing secret (32 hex digits) that repeats with the seed. */
function signingSecretFor(seed: number): string {
  const rng = createRng(seed + 3);
  return Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16)).join('');
}

/** The deployed functions' principals (their credentials → their role) and the template's resource policies. */
function loadIam(iam: SandboxIam, deployed: Deployed): void {
  iam.setRoles(Object.values(deployed.roles));
  for (const f of Object.values(deployed.functions)) {
    const role = f.roleArn ? iam.role(f.roleArn) : undefined;
    if (!role || !f.credentials) continue;
    iam.addPrincipal({ functionName: f.name, accessKeyId: f.credentials.accessKeyId, role });
  }
  for (const [arn, statements] of Object.entries(deployed.resourcePolicies))
    iam.addResourcePolicy(arn, statements);
}

function partitionKeyOf(deployed: Deployed, table: string): string | undefined {
  const t = Object.values(deployed.tables).find((x) => x.name === table);
  const schema = (t?.keySchema ?? []) as Array<{ AttributeName?: string; KeyType?: string }>;
  return schema.find((k) => k.KeyType === 'HASH')?.AttributeName;
}
