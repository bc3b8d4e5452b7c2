/**
 * One retry policy: HTTP attempts per call counted against a local endpoint that always throttles (or
 * always fails with a 5xx), through the real SDK clients that src/adapters/aws-clients.ts configures.
 * Each call makes exactly MAX_ATTEMPTS attempts, never a product of two retry layers (it was 15 for
 * the reads, PutEvents and StartConfigRulesEvaluation: our 5 × the SDK's default 3).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { ssmAutomation } from '../../src/adapters/automation-ssm.ts';
import {
  configServiceClient,
  eventBridgeClient,
  ssmClient,
  ssmSingleAttemptClient,
} from '../../src/adapters/aws-clients.ts';
import { ssmCommands } from '../../src/adapters/commands-ssm.ts';
import { configCompliance } from '../../src/adapters/config-compliance.ts';
import { eventBridgePublisher } from '../../src/adapters/events-publisher.ts';
import { MAX_ATTEMPTS } from '../../src/adapters/retry.ts';
import { ssmExecutions } from '../../src/adapters/ssm-executions.ts';
import { TransientError } from '../../src/model/errors.ts';

type Answer = 'throttle' | 'server-error' | 'limit-exceeded' | Record<string, unknown>;

/** Attempts per operation (the X-Amz-Target's operation name), and what each operation answers. */
const attempts = new Map<string, number>();
let answers: Record<string, Answer | Answer[]> = {};
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const n = (attempts.get(op) ?? 0) + 1;
      attempts.set(op, n);
      const a = answers[op] ?? 'throttle';
      const answer = Array.isArray(a) ? a[Math.min(n, a.length) - 1]! : a;
      const [status, body] =
        answer === 'throttle'
          ? [400, { __type: 'ThrottlingException', message: 'Rate exceeded' }]
          : answer === 'server-error'
            ? [500, { __type: 'InternalServerError', message: 'boom' }]
            : answer === 'limit-exceeded'
              ? [400, { __type: 'LimitExceededException', message: 'evaluation in progress' }]
              : [200, answer];
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  attempts.clear();
  answers = {};
  vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  // No jitter, so no waiting between attempts: the backoff is a random fraction of its cap.
  vi.spyOn(Math, 'random').mockReturnValue(0);
  return () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  };
});

const noSleep = { sleep: async () => undefined };
const automationReq = {
  document: 'AWS-X',
  parameters: {},
  clientToken: '4fb010f7-577c-565e-81c7-5871487c7f01',
  tags: {},
};
const commandReq = {
  document: 'AWS-RunPatchBaseline',
  parameters: {},
  instanceIds: ['i-0123456789abcdef0'],
  maxConcurrency: '10%',
  maxErrors: '50%',
  timeoutSeconds: 600,
  comment: 'c',
};

describe('against an endpoint that always throttles, each call makes exactly the configured attempts', () => {
  test('the configuration: 5 attempts', () => {
    expect(MAX_ATTEMPTS).toBe(5);
  });

  const calls: Array<[string, () => Promise<unknown>]> = [
    ['GetAutomationExecution', () => ssmExecutions(ssmClient()).automation('e-1')],
    ['ListCommands', () => ssmExecutions(ssmClient()).command('c-1')],
    [
      'PutEvents',
      () =>
        eventBridgePublisher(eventBridgeClient(), 'default').publish([
          { source: 's', detailType: 'd', detail: {} },
        ]),
    ],
    ['StartConfigRulesEvaluation', () => configCompliance(configServiceClient()).reevaluate(['rule'])],
    ['StartAutomationExecution', () => ssmAutomation(ssmClient()).start(automationReq)],
    ['SendCommand', () => ssmCommands(ssmSingleAttemptClient(), noSleep).send(commandReq)],
  ];
  test.each(calls)('%s', async (op, call) => {
    await expect(call()).rejects.toThrow(new RegExp(`ThrottlingException after ${MAX_ATTEMPTS} attempts`));
    await expect(call()).rejects.toBeInstanceOf(TransientError);
    expect(attempts.get(op)).toBe(2 * MAX_ATTEMPTS);
  });

  test('ListCommandInvocations (after ListCommands answered)', async () => {
    answers = { ListCommands: { Commands: [{ CommandId: 'c-1', Status: 'Success' }] } };
    await expect(ssmExecutions(ssmClient()).command('c-1')).rejects.toBeInstanceOf(TransientError);
    expect(Object.fromEntries(attempts)).toEqual({ ListCommands: 1, ListCommandInvocations: MAX_ATTEMPTS });
  });
});

test('a Config re-evaluation already in progress serves: LimitExceededException is not an error', async () => {
  answers = { StartConfigRulesEvaluation: 'limit-exceeded' };
  await expect(configCompliance(configServiceClient()).reevaluate(['rule'])).resolves.toBeUndefined();
  // The SDK classifies LimitExceededException as throttling, so it spends its attempts first.
  expect(attempts.get('StartConfigRulesEvaluation')).toBe(MAX_ATTEMPTS);
});

describe('against an endpoint that always answers 500', () => {
  test('StartAutomationExecution (idempotent through its ClientToken) is retried', async () => {
    answers = { StartAutomationExecution: 'server-error' };
    await expect(ssmAutomation(ssmClient()).start(automationReq)).rejects.toBeInstanceOf(TransientError);
    expect(attempts.get('StartAutomationExecution')).toBe(MAX_ATTEMPTS);
  });
  test('SendCommand (not idempotent: it may have acted) is sent once and the error passes unchanged', async () => {
    answers = { SendCommand: 'server-error' };
    const e = await ssmCommands(ssmSingleAttemptClient(), noSleep)
      .send(commandReq)
      .catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(TransientError);
    expect((e as Error).name).toBe('InternalServerError');
    expect(attempts.get('SendCommand')).toBe(1);
  });
  test('a read that succeeds after a throttle and a 500 returns its result, in three attempts', async () => {
    answers = {
      GetAutomationExecution: [
        'throttle',
        'server-error',
        { AutomationExecution: { AutomationExecutionStatus: 'Success' } },
      ],
    };
    expect((await ssmExecutions(ssmClient()).automation('e-1')).status).toBe('Success');
    expect(attempts.get('GetAutomationExecution')).toBe(3);
  });
});
