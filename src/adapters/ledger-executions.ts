/**
 * Executions the service started, and their phases (in flight → verifying → done). The sparse
 * `gsi1` lists the ones in flight or verifying, oldest first (what the reconcile sweep polls); the
 * keys-only `gsi2` lists every start by clock hour (the budget's count and recovery, ledger-starts.ts).
 *
 * | item | pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk | ttl |
 * | execution | EXEC#<id> | EXEC | INFLIGHT or VERIFYING / <since>#<id> (sparse) | STARTED#<hour> / <startedAt>#<id> | outcomeTtlDays |
 */
import type { ExecutionPhase, LedgerStore, StoredExecution } from '../ports/ledger-store.ts';
import type { ExecutionRecord } from '../ports/ledger.ts';
import { startKeys } from './ledger-starts.ts';
import { epoch, strip, type LedgerTable } from './ledger-table.ts';

const execPk = (id: string): string => `EXEC#${id}`;

export interface ExecutionLedger extends Pick<
  LedgerStore,
  'getExecution' | 'listInFlight' | 'listVerifying' | 'transitionExecution'
> {
  /** Records a started execution: false if it was recorded before (a retried invocation). */
  putExecution(rec: ExecutionRecord): Promise<boolean>;
}

export function executionLedger(table: LedgerTable, outcomeTtlMs: number): ExecutionLedger {
  const listed = async (p: string, before?: Date): Promise<StoredExecution[]> => {
    const items = await table.query({
      IndexName: 'gsi1',
      KeyConditionExpression: before ? 'gsi1pk = :p AND gsi1sk < :before' : 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': p, ...(before ? { ':before': before.toISOString() } : {}) },
    });
    return items.map((i) => strip<StoredExecution>(i));
  };
  return {
    putExecution(rec) {
      return table.put({
        Item: {
          ...rec,
          pk: execPk(rec.executionId),
          sk: 'EXEC',
          phase: 'in-flight',
          gsi1pk: 'INFLIGHT',
          gsi1sk: `${rec.startedAt}#${rec.executionId}`,
          ...startKeys(rec),
          ttl: epoch(Date.parse(rec.startedAt) + outcomeTtlMs),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    },

    async getExecution(executionId) {
      const item = await table.get(execPk(executionId), 'EXEC');
      return item ? strip<StoredExecution>(item) : undefined;
    },

    listInFlight: (startedBefore) => listed('INFLIGHT', startedBefore),
    listVerifying: () => listed('VERIFYING'),

    async transitionExecution(executionId, from: ExecutionPhase, to: ExecutionPhase, fields, now) {
      const names: Record<string, string> = { '#phase': 'phase' };
      const values: Record<string, unknown> = { ':from': from, ':to': to };
      const sets = ['#phase = :to'];
      Object.entries(fields).forEach(([k, v], i) => {
        if (v === undefined) return;
        names[`#f${i}`] = k;
        values[`:f${i}`] = v;
        sets.push(`#f${i} = :f${i}`);
      });
      let remove = '';
      if (to === 'done') remove = ' REMOVE gsi1pk, gsi1sk';
      else {
        values[':g1'] = to === 'verifying' ? 'VERIFYING' : 'INFLIGHT';
        values[':g1sk'] = `${now.toISOString()}#${executionId}`;
        sets.push('gsi1pk = :g1', 'gsi1sk = :g1sk');
      }
      return table.update({
        Key: { pk: execPk(executionId), sk: 'EXEC' },
        UpdateExpression: `SET ${sets.join(', ')}${remove}`,
        ConditionExpression: '#phase = :from',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    },
  };
}
