/**
 * The interfaces the core needs, one file per port (this directory); this file only re-exports them,
 * so `import type { … } from '../ports/index.ts'` keeps working. Adapters (src/adapters/) implement
 * them with the AWS SDK; the core and runbooks never import an SDK. Every port method may throw; the
 * engine fails closed.
 */
export type * from './agent-inventory.ts';
export type * from './associations.ts';
export type * from './automation.ts';
export type * from './backfill.ts';
export type * from './calendar.ts';
export type * from './command.ts';
export type * from './compliance.ts';
export type * from './counter.ts';
export type * from './dead-letter.ts';
export type * from './event-publisher.ts';
export type * from './executions.ts';
export type * from './failed-invocations.ts';
export type * from './fleet.ts';
export type * from './ledger.ts';
export type * from './ledger-store.ts';
export type * from './log.ts';
export type * from './metrics.ts';
export type * from './notifier.ts';
export type * from './outbox.ts';
export type * from './own-executions.ts';
export type * from './sweep-cursor.ts';
export type * from './switches.ts';
export type * from './tags.ts';
