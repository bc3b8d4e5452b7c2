/**
 * Wires the ports to AWS, per function: each handler builds only the deps it uses, so its bundle
 * carries only those SDK clients. Built once per Lambda container, on first use (so a config error
 * fails the invocation, visibly). Slack is not here: notify-slack posts from the results topic's
 * Slack queue (src/handlers/notify-slack.ts), the only function that reads the webhook URL.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SSMClient } from '@aws-sdk/client-ssm';
import entries from 'virtual:runbooks';
import { ssmAssociations } from '../../adapters/associations-ssm.ts';
import { ssmAutomation } from '../../adapters/automation-ssm.ts';
import {
  configServiceClient,
  dynamoDbClient,
  snsClient,
  sqsClient,
  ssmClient,
  ssmSingleAttemptClient,
  taggingClient,
} from '../../adapters/aws-clients.ts';
import { ssmCalendar } from '../../adapters/calendar-ssm.ts';
import { ssmCommands } from '../../adapters/commands-ssm.ts';
import { configCompliance } from '../../adapters/config-compliance.ts';
import { sqsDeadLetter } from '../../adapters/dead-letter-sqs.ts';
import { ssmFleet } from '../../adapters/fleet-ssm.ts';
import { dynamoLedger, ledgerDocumentClient, ledgerOptionsFromEnv } from '../../adapters/ledger-dynamodb.ts';
import { logPort } from '../../adapters/logger.ts';
import { fanoutNotifier } from '../../adapters/notifier-fanout.ts';
import { snsNotifier } from '../../adapters/notifier-sns.ts';
import { sqsOutboxHold } from '../../adapters/notify-outbox-sqs.ts';
import { ssmExecutions } from '../../adapters/ssm-executions.ts';
import { ssmOwnExecutions } from '../../adapters/ssm-own-executions.ts';
import { parameterStoreSwitches } from '../../adapters/switches-parameter-store.ts';
import { taggingApiTags } from '../../adapters/tags-tagging-api.ts';
import { admissionLimits } from '../../core/admission.ts';
import { runtimeOptionsFromEnv, type CompletionDeps } from '../../core/completion.ts';
import type { ReconcileDeps } from '../../core/reconcile.ts';
import type { EngineDeps } from '../../core/engine.ts';
import type { LedgerStore } from '../../ports/ledger-store.ts';
import { createRegistry, type Registry } from '../../core/registry.ts';
import type { LogPort, MetricsPort, NotifierPort } from '../../ports/index.ts';
import { containerMetrics } from './metrics.ts';
import { loadConfig, type AppConfig } from '../../config.ts';
import { systemClock } from '../../adapters/system-clock.ts';
import { dynamoApprovals } from '../../adapters/approvals-dynamodb.ts';

/** What every function uses: config, the ledger (DynamoDB), notifications (SNS, with its outbox) and SSM. */
export interface SharedDeps {
  config: AppConfig;
  ssm: SSMClient;
  ledger: LedgerStore;
  notifier: NotifierPort;
  log: LogPort;
  now: () => Date;
  /** EMF metrics, flushed by the middleware after each invocation. */
  metrics: MetricsPort;
}

import { once } from './once.ts';

export { once };

/**
 * The remediations, built once per container, by the functions that decide or report on them (the
 * agent sweep does neither, so its bundle carries none: the runbooks module is side-effect free).
 */
const remediations = /* @__PURE__ */ once((): Registry => createRegistry(entries));

export function sharedDeps(logger: Logger, env: NodeJS.ProcessEnv = process.env): SharedDeps {
  const config = loadConfig(env);
  const e = config.env;
  const log = logPort(logger);
  const ssm = ssmClient();
  const metrics = containerMetrics();
  return {
    config,
    ssm,
    ledger: dynamoLedger(ledgerDocumentClient(dynamoDbClient()), ledgerOptionsFromEnv(e.LEDGER_TABLE, e)),
    // SNS only: Slack is posted from the topic's Slack queue by notify-slack, so no remediation
    // waits on Slack; a failed Publish waits in the outbox for the reconcile sweep.
    notifier: fanoutNotifier(
      {
        sns: snsNotifier(
          snsClient(),
          e.RESULTS_TOPIC_ARN,
          e.NOTIFY_OUTBOX_QUEUE_URL ? sqsOutboxHold(sqsClient(), e.NOTIFY_OUTBOX_QUEUE_URL) : undefined,
        ),
      },
      log,
      metrics,
    ),
    log,
    now: systemClock.now,
    metrics,
  };
}

/** The engine's ports (remediate, patch-fanout): adds tags, the acting SSM calls and the dead-letter queue. */
export function engineDeps(s: SharedDeps): EngineDeps {
  const e = s.config.env;
  return {
    registry: remediations(),
    config: {
      stage: e.STAGE,
      defaultCalendars: e.DEFAULT_CALENDARS,
      ...(e.AUTOMATION_ASSUME_ROLE_ARN ? { assumeRoleArn: e.AUTOMATION_ASSUME_ROLE_ARN } : {}),
      assumeRoleArns: e.AUTOMATION_ASSUME_ROLES,
      limits: s.config.limits,
      admission: admissionLimits(e.AUTOMATION_CONCURRENT_SHARE, e.AUTOMATION_QUEUED_SHARE),
      settings: e.REMEDIATION_SETTINGS,
    },
    switches: parameterStoreSwitches(s.ssm, e.SWITCHES_PREFIX, e.SWITCHES_CACHE_SECONDS),
    tags: taggingApiTags(taggingClient(), { cacheSeconds: e.TAGS_CACHE_SECONDS }),
    calendar: ssmCalendar(s.ssm, { cacheSeconds: e.CALENDAR_CACHE_SECONDS }),
    fleet: ssmFleet(s.ssm),
    associations: ssmAssociations(s.ssm),
    automation: ssmAutomation(s.ssm),
    commands: ssmCommands(ssmSingleAttemptClient()),
    ledger: s.ledger,
    notifier: s.notifier,
    deadLetter: sqsDeadLetter(sqsClient(), e.DEAD_LETTER_QUEUE_URL),
    log: s.log,
    now: s.now,
    metrics: s.metrics,
    approvals: dynamoApprovals(ledgerDocumentClient(dynamoDbClient()), e.LEDGER_TABLE),
  };
}

/** What completion reads (complete): SSM executions, Config compliance and the runtime options. */
export function completionDeps(s: SharedDeps): CompletionDeps {
  return {
    registry: remediations(),
    ledger: s.ledger,
    executions: ssmExecutions(s.ssm),
    compliance: configCompliance(configServiceClient()),
    notifier: s.notifier,
    log: s.log,
    now: s.now,
    options: runtimeOptionsFromEnv(s.config.env),
    admission: admissionLimits(
      s.config.env.AUTOMATION_CONCURRENT_SHARE,
      s.config.env.AUTOMATION_QUEUED_SHARE,
    ),
    metrics: s.metrics,
  };
}

/** The reconcile sweep acts (releases deferred work) and completes: both. */
export function reconcileDeps(s: SharedDeps): ReconcileDeps {
  return { ...engineDeps(s), ...completionDeps(s), own: ssmOwnExecutions(s.ssm) };
}
