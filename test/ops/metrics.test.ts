/**
 * Metrics: what the core measures (src/core/metrics.ts) and the EMF the adapter writes
 * (src/adapters/metrics-emf.ts): a service-wide dimension set for alarms, a detailed one for the dashboard.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { emfMetrics } from '../../src/adapters/metrics-emf.ts';
import { heldWork, outcomeRecorded, findingReceived, notificationFailed } from '../../src/core/metrics.ts';
import type { MetricsPort } from '../../src/ports/index.ts';
import type { Outcome } from '../../src/model/types.ts';

function recorder() {
  const seen: { name: string; dims: Record<string, string>; value: number }[] = [];
  const port: MetricsPort = {
    count: (name, dims = {}, value = 1) => seen.push({ name, dims, value }),
    measure: (name, _unit, value, dims = {}) => seen.push({ name, dims, value }),
  };
  return { port, seen, names: () => seen.map((s) => s.name) };
}

const outcome = (o: Partial<Outcome>): Outcome =>
  ({
    eventId: 'e1',
    outcome: 'started',
    reason: 'r',
    remediation: 'restricted-ssh',
    actions: [],
    at: '2026-01-05T08:00:00.000Z',
    ...o,
  }) as Outcome;

describe('what the core measures', () => {
  test('a started outcome counts the outcome and an execution started, by remediation', () => {
    const r = recorder();
    outcomeRecorded(r.port, outcome({ outcome: 'started', executionId: 'x-1' }));
    expect(r.seen).toEqual([
      { name: 'Outcomes', dims: { outcome: 'started', code: 'none' }, value: 1 },
      { name: 'ExecutionsStarted', dims: { remediation: 'restricted-ssh' }, value: 1 },
    ]);
  });

  test("an execution's end counts succeeded/failed; a guard's trip notice (no execution) does not", () => {
    const r = recorder();
    outcomeRecorded(r.port, outcome({ outcome: 'failed', executionId: 'x-1' }));
    outcomeRecorded(
      r.port,
      outcome({ outcome: 'failed', code: 'circuit-open', eventId: 'guard:circuit-open:x' }),
    );
    expect(r.names().filter((n) => n.startsWith('Executions'))).toEqual(['ExecutionsFailed']);
  });

  test('held work: deferrals by code, gate-unreadable, a spent budget, an open breaker', () => {
    const r = recorder();
    outcomeRecorded(r.port, outcome({ outcome: 'deferred', code: 'gate-unreadable' }));
    outcomeRecorded(r.port, outcome({ outcome: 'deferred', code: 'budget' }));
    outcomeRecorded(r.port, outcome({ outcome: 'skipped', code: 'circuit-open' }));
    expect(r.names()).toEqual([
      'Outcomes',
      'Deferrals',
      'GateUnreadable',
      'Outcomes',
      'Deferrals',
      'BudgetExhausted',
      'Outcomes',
      'BreakerOpen',
    ]);
  });

  test('held work and its age, findings by family, notification failures; no port, no metrics', () => {
    const r = recorder();
    const now = new Date('2026-01-05T10:00:00Z');
    heldWork(r.port, [{ deferredAt: '2026-01-05T09:00:00Z' }, { deferredAt: '2026-01-05T09:30:00Z' }], now);
    heldWork(r.port, [], now);
    findingReceived(r.port, { family: 'patch.failed' });
    notificationFailed(r.port, 'slack', 0);
    notificationFailed(r.port, 'slack', 3);
    expect(r.seen).toEqual([
      { name: 'HeldWork', dims: {}, value: 2 },
      { name: 'OldestHeldAgeSeconds', dims: {}, value: 3600 },
      { name: 'HeldWork', dims: {}, value: 0 },
      { name: 'OldestHeldAgeSeconds', dims: {}, value: 0 },
      { name: 'Findings', dims: { family: 'patch.failed' }, value: 1 },
      { name: 'NotificationFailures', dims: { channel: 'slack' }, value: 3 },
    ]);
    expect(() => outcomeRecorded(undefined, outcome({}))).not.toThrow();
  });
});

describe('EMF (Powertools Metrics)', () => {
  afterEach(() => vi.restoreAllMocks());
  const written = () => {
    const lines: Record<string, unknown>[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const l of String(chunk).split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l));
      return true;
    });
    return lines;
  };

  test('one line per dimension set, counts summed, with the service-wide set for alarms', () => {
    const lines = written();
    const m = emfMetrics({ stage: 'prod' });
    m.count('Findings', { family: 'config.noncompliant' });
    m.count('Findings', { family: 'config.noncompliant' }, 2);
    m.count('Findings', { family: 'patch.failed' });
    m.measure('DecisionLatency', 'Milliseconds', 40);
    m.measure('DecisionLatency', 'Milliseconds', 60);
    m.flush();
    expect(lines).toHaveLength(3);
    const config = lines.find((l) => l['family'] === 'config.noncompliant')!;
    expect(config).toMatchObject({ service: 'ssm-remediator', stage: 'prod', Findings: 3 });
    expect(config['_aws']).toMatchObject({
      CloudWatchMetrics: [
        {
          Namespace: 'SsmRemediator',
          Dimensions: [
            ['service', 'stage'],
            ['service', 'stage', 'family'],
          ],
          Metrics: [{ Name: 'Findings', Unit: 'Count' }],
        },
      ],
    });
    const latency = lines.find((l) => 'DecisionLatency' in l)!;
    expect(latency['DecisionLatency']).toEqual([40, 60]);
    expect(
      (latency['_aws'] as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]!
        .Dimensions,
    ).toEqual([['service', 'stage']]);
  });

  test('a flush with nothing buffered writes nothing; a flush empties the buffer', () => {
    const lines = written();
    const m = emfMetrics({ stage: 'dev' });
    m.flush();
    m.count('Outcomes', { outcome: 'started', code: 'none' });
    m.flush();
    m.flush();
    expect(lines).toHaveLength(1);
  });
});

describe('correlation id path (the logger search function)', () => {
  test('EventBridge id, else the first SQS record; nothing else', async () => {
    const { searchPath, CORRELATION_ID_PATH } = await import('../../src/adapters/logger.ts');
    expect(searchPath(CORRELATION_ID_PATH, { id: 'ev-1', Records: [{ messageId: 'm' }] })).toBe('ev-1');
    expect(searchPath(CORRELATION_ID_PATH, { Records: [{ messageId: 'm-1' }, { messageId: 'm-2' }] })).toBe(
      'm-1',
    );
    expect(searchPath(CORRELATION_ID_PATH, { detail: {} })).toBeNull();
    expect(searchPath(CORRELATION_ID_PATH, 'text')).toBeNull();
    expect(() => searchPath('foo[?x]', {})).toThrow('unsupported');
  });
});
