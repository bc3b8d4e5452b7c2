/** Backfill's ports (the reconcile function): Config's NON_COMPLIANT lists and the ledger's backfill marks. */
import { configServiceClient, dynamoDbClient } from '../../adapters/aws-clients.ts';
import { dynamoBackfillMarks } from '../../adapters/backfill-marks-dynamodb.ts';
import { configNonCompliant } from '../../adapters/config-noncompliant.ts';
import { ledgerDocumentClient } from '../../adapters/ledger-dynamodb.ts';
import type { BackfillDeps } from '../../core/backfill.ts';
import type { EngineDeps } from '../../core/engine.ts';

export function backfillPorts(ledgerTable: string): Omit<BackfillDeps, keyof EngineDeps> {
  return {
    nonCompliant: configNonCompliant(configServiceClient()),
    marks: dynamoBackfillMarks(ledgerDocumentClient(dynamoDbClient()), ledgerTable),
    // Timers are the sandbox's virtual ones in a rehearsal, real ones in Lambda.
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
