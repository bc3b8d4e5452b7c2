/**
 * Moved: the ledger's and the completion path's ports are in src/ports/ (ledger-store.ts,
 * executions.ts, compliance.ts). This re-export only keeps branches written before the move compiling;
 * import from src/ports/ instead.
 */
export type * from '../ports/ledger-store.ts';
export type * from '../ports/executions.ts';
export type * from '../ports/compliance.ts';
