/**
 * Wires the engine's ports to AWS for one Lambda container: config parsed once, SDK clients
 * created once, the Slack webhook URL read from a SecureString through Powertools parameters.
 */
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import type { Logger } from '@aws-lambda-powertools/logger';
import entries from 'virtual:runbooks';
import { ssmAutomation } from '../../adapters/automation-ssm.ts';
import { createClients, type AwsClients } from '../../adapters/aws-clients.ts';
import { ssmCalendar } from '../../adapters/calendar-ssm.ts';
import { ssmCommands } from '../../adapters/commands-ssm.ts';
import { sqsDeadLetter } from '../../adapters/dead-letter-sqs.ts';
import { ssmFleet } from '../../adapters/fleet-ssm.ts';
import { dynamoLedger, ledgerDocumentClient, ledgerOptionsFromEnv } from '../../adapters/ledger-dynamodb.ts';
import { logPort } from '../../adapters/logger.ts';
import { fanoutNotifier } from '../../adapters/notifier-fanout.ts';
import { slackNotifier } from '../../adapters/notifier-slack.ts';
import { snsNotifier } from '../../adapters/notifier-sns.ts';
import { parameterStoreSwitches } from '../../adapters/switches-parameter-store.ts';
import { taggingApiTags } from '../../adapters/tags-tagging-api.ts';
import { createRegistry } from '../../core/registry.ts';
import type { EngineDeps } from '../../core/engine.ts';
import type { LedgerStore } from '../../core/ledger-types.ts';
import { runtimeOptionsFromEnv } from '../../core/completion.ts';
import type { ReconcileDeps } from '../../core/deferral.ts';
import { configCompliance } from '../../adapters/config-compliance.ts';
import { ssmExecutions } from '../../adapters/ssm-executions.ts';
import { loadConfig, type AppConfig } from '../../config.ts';
import { systemClock } from '../../adapters/system-clock.ts';

export interface Container {
  config: AppConfig;
  clients: AwsClients;
  ledger: LedgerStore;
  deps: EngineDeps;
}

/** The Slack webhook URL, decrypted, cached for 5 minutes; '' in config means no Slack. */
export function slackUrlReader(name: string): () => Promise<string | undefined> {
  if (!name) return async () => undefined;
  return async () => (await getParameter(name, { decrypt: true, maxAge: 300 })) ?? undefined;
}

export function createContainer(logger: Logger, env: NodeJS.ProcessEnv = process.env): Container {
  const config = loadConfig(env);
  const e = config.env;
  const clients = createClients();
  const log = logPort(logger);
  const ledger = dynamoLedger(
    ledgerDocumentClient(clients.dynamodb),
    ledgerOptionsFromEnv(e.LEDGER_TABLE, e),
  );
  const deps: EngineDeps = {
    registry: createRegistry(entries),
    config: {
      stage: e.STAGE,
      defaultCalendars: e.DEFAULT_CALENDARS,
      ...(e.AUTOMATION_ASSUME_ROLE_ARN ? { assumeRoleArn: e.AUTOMATION_ASSUME_ROLE_ARN } : {}),
      limits: config.limits,
      settings: e.REMEDIATION_SETTINGS,
    },
    switches: parameterStoreSwitches(clients.ssm, e.SWITCHES_PREFIX, e.SWITCHES_CACHE_SECONDS),
    tags: taggingApiTags(clients.tagging),
    calendar: ssmCalendar(clients.ssm),
    fleet: ssmFleet(clients.ssm),
    automation: ssmAutomation(clients.ssmActing),
    commands: ssmCommands(clients.ssmActing),
    ledger,
    notifier: fanoutNotifier(
      {
        sns: snsNotifier(clients.sns, e.RESULTS_TOPIC_ARN),
        slack: slackNotifier(slackUrlReader(e.SLACK_WEBHOOK_PARAM)),
      },
      log,
    ),
    deadLetter: sqsDeadLetter(clients.sqs, e.DEAD_LETTER_QUEUE_URL),
    log,
    now: systemClock.now,
  };
  return { config, clients, ledger, deps };
}

/** One container per Lambda instance, created on first use (so a config error fails the invocation, visibly). */
export function lazyContainer(logger: Logger): () => Container {
  let c: Container | undefined;
  return () => (c ??= createContainer(logger));
}

/**
 * The engine's ports plus what completion and the reconcile sweep read: the ledger store with its
 * extras, SSM executions, Config compliance, and the runtime options (verification, breaker, expiry).
 */
export function sweepDeps(c: Container): ReconcileDeps {
  return {
    ...c.deps,
    ledger: c.ledger,
    executions: ssmExecutions(c.clients.ssm),
    compliance: configCompliance(c.clients.config),
    options: runtimeOptionsFromEnv(c.config.env),
  };
}
