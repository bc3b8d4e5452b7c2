/**
 * The end of every acting path: record each outcome (a log line and a ledger item, `record.ts`),
 * then send the notifications the caller's shape asks for. A failure here never undoes or blocks an
 * action: a notification that fails is logged.
 */
import type { LedgerPort, LogPort, MetricsPort, Notification, NotifierPort } from '../ports/index.ts';
import { errorMessage } from '../model/errors.ts';
import { notificationFor, consoleUrl, shouldNotify } from './notify.ts';
import { notificationFailed } from './metrics.ts';
import { recordOutcome } from './record.ts';
import type { Registry } from './registry.ts';
import { mostSevere } from './severity.ts';
import type { Outcome } from '../model/types.ts';

export interface AnnounceDeps {
  ledger: Pick<LedgerPort, 'recordOutcome' | 'firstNotice'>;
  notifier: NotifierPort;
  registry: Pick<Registry, 'get'>;
  log: LogPort;
  now: () => Date;
  metrics?: MetricsPort;
}

export interface Announcement {
  /** The log line: `decision` when an event is decided, `outcome` for what follows. */
  record: 'decision' | 'outcome';
  /** Only outcomes someone needs to hear about now are sent (`shouldNotify`). */
  filter?: boolean;
  /** A tripped guard is announced once per trip, not once per event (the ledger remembers). */
  oncePerTrip?: boolean;
  /** The notifications of the outcomes left to tell (see `each`, `together`). */
  build: (told: Outcome[], deps: AnnounceDeps) => Notification[];
}

/** Records every outcome, then sends the notifications; returns those it tried to send. */
export async function announce(
  outcomes: readonly Outcome[],
  deps: AnnounceDeps,
  how: Announcement,
): Promise<Notification[]> {
  for (const o of outcomes) await recordOutcome(o, how.record, deps);
  let told = how.filter ? outcomes.filter(shouldNotify) : [...outcomes];
  const firstNotice = deps.ledger.firstNotice?.bind(deps.ledger);
  if (how.oncePerTrip && firstNotice) {
    const kept: Outcome[] = [];
    for (const o of told) if (await firstNotice(o, deps.now()).catch(() => true)) kept.push(o);
    told = kept;
  }
  const notifications = told.length ? how.build(told, deps) : [];
  for (const n of notifications) {
    try {
      await deps.notifier.notify(n);
    } catch (e) {
      notificationFailed(deps.metrics, 'notifier');
      deps.log.error('notification failed', {
        findingEventId: n.outcome.eventId,
        remediation: n.outcome.remediation,
        outcomes: n.outcomes?.length ?? 1,
        error: errorMessage(e),
      });
    }
  }
  return notifications;
}

export function titleOf(
  remediationId: string | undefined,
  deps: Pick<AnnounceDeps, 'registry'>,
  none: string,
): string {
  return remediationId ? (deps.registry.get(remediationId)?.title ?? remediationId) : none;
}

/** One notification per outcome, titled by its remediation (the engine). */
export const each: Announcement['build'] = (told, deps) =>
  told.map((o) => notificationFor(o, titleOf(o.remediation, deps, 'Rejected event')));

/** One notification for all, headlined by the most severe (completion, guards, long holds). */
export const together =
  (title?: string): Announcement['build'] =>
  (told, deps) => {
    const headline = mostSevere(told)!;
    const n: Notification = {
      outcome: headline,
      title: title ?? titleOf(headline.remediation, deps, 'ssm-remediator'),
      ...(told.length > 1 ? { outcomes: told } : {}),
    };
    const url = consoleUrl(headline);
    if (url) n.consoleUrl = url;
    return [n];
  };

/** Records every outcome (`outcome` log line) and sends ONE notification, headlined by the most severe. */
export async function report(outcomes: Outcome[], deps: AnnounceDeps, title?: string): Promise<void> {
  await announce(outcomes, deps, { record: 'outcome', build: together(title) });
}
