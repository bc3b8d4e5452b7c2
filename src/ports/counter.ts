/**
 * Small named counters in the ledger (the agent-health debounce).
 */
import type { LedgerStore } from './ledger-store.ts';

export type CounterPort = Pick<LedgerStore, 'bumpCounter' | 'listCounters' | 'resetCounter'>;
