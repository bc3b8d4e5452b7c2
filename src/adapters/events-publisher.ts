import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { EventPublisherPort, PublishEntry, PublishFailure } from '../ports/event-publisher.ts';
import { transient } from './retry.ts';
import { systemClock } from './system-clock.ts';

/** PutEvents takes at most 10 entries per call. */
export const MAX_ENTRIES_PER_PUT = 10;

/** Per-entry error codes that a retry cannot fix (the entry itself, or our permissions, are wrong). */
const PERMANENT = new Set([
  'MalformedDetail',
  'InvalidArgument',
  'AccessDeniedException',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

export interface PublisherOptions {
  /** Rounds of re-sending the entries that failed (FailedEntryCount > 0), after the first. Default 3. */
  entryRetries?: number;
  /** Base of the jittered delay between those rounds, in ms. Default 100. */
  baseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * PutEvents in chunks of 10. A call that fails as a whole is retried by the SDK; entries that
 * come back with an ErrorCode (a partial failure) are re-sent, and only those, a bounded number of
 * times. Entries that still fail are returned, never silently dropped.
 */
export function eventBridgePublisher(
  events: EventBridgeClient,
  eventBusName: string,
  opts: PublisherOptions = {},
): EventPublisherPort {
  const rounds = opts.entryRetries ?? 3;
  const base = opts.baseMs ?? 100;
  const sleep = opts.sleep ?? systemClock.sleep;
  const wire = (e: PublishEntry): PutEventsRequestEntry => ({
    Source: e.source,
    DetailType: e.detailType,
    Detail: JSON.stringify(e.detail),
    EventBusName: eventBusName,
    ...(e.resources?.length ? { Resources: e.resources } : {}),
  });
  return {
    async publish(entries) {
      const failed: PublishFailure[] = [];
      for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_PUT) {
        let pending = entries.slice(i, i + MAX_ENTRIES_PER_PUT);
        for (let round = 0; pending.length > 0; round++) {
          const out = await transient(`PutEvents (${pending.length} entries)`, () =>
            events.send(new PutEventsCommand({ Entries: pending.map(wire) })),
          );
          if (!out.FailedEntryCount) break;
          const again: PublishEntry[] = [];
          pending.forEach((entry, k) => {
            const r = out.Entries?.[k];
            if (!r?.ErrorCode && r?.EventId) return;
            const failure = { entry, errorCode: r?.ErrorCode ?? 'Unknown', errorMessage: r?.ErrorMessage };
            if (PERMANENT.has(failure.errorCode) || round >= rounds) failed.push(failure);
            else again.push(entry);
          });
          pending = again;
          if (pending.length) await sleep(Math.random() * base * 2 ** (round + 1));
        }
      }
      return { failed };
    },
  };
}
