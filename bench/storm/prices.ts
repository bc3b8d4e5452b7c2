/**
 * AWS public prices, us-east-1, on-demand, for the storm benchmark's cost per 1,000 findings.
 *
 * Copied 2026-12-05 from the project's research notes (FACTS-2 §9, "Prices, us-east-1"), which took
 * them from secondary sources (named per line) because no AWS pricing page rendered its rate table in
 * the stored corpora. `verified: false` marks a price that could not be checked against an AWS page;
 * confirm with `aws pricing get-products --service-code <code> --region us-east-1` before quoting
 * a figure to anyone. Free tiers are ignored (a storm is priced as if the month's free tier was used).
 */
export const PRICES_AS_OF = '2026-12-05';

export interface Price {
  usd: number;
  per: string;
  source: string;
  verified: boolean;
}

export const PRICES = {
  lambdaRequest: {
    usd: 0.2 / 1e6,
    per: 'request',
    source: 'FACTS-2 §9 (cloudchipr.com 2024; git.mcrn.ar Lambda notes)',
    verified: false,
  },
  lambdaGbSecond: {
    usd: 0.0000166667,
    per: 'GB-second (x86_64, first 6 B GB-s/month)',
    source: 'FACTS-2 §9 (same)',
    verified: false,
  },
  dynamoWrite: {
    usd: 0.625 / 1e6,
    per: 'write request unit (on-demand, after the 2024-11-01 cut)',
    source: 'FACTS-2 §9 (airbyte.com Jul 2025; jusdb.com Aug 2025)',
    verified: false,
  },
  dynamoRead: {
    usd: 0.125 / 1e6,
    per: 'read request unit (on-demand; strongly consistent 4 KB)',
    source: 'FACTS-2 §9 (same)',
    verified: false,
  },
  eventBridgeCustomEvent: {
    usd: 1 / 1e6,
    per: 'custom event put (64 KB chunk); AWS service events on the default bus are free',
    source: 'FACTS-2 §9 (cloudburn.io Mar 2026; factualminds.com Jun 2026)',
    verified: false,
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    per: 'standard queue request (64 KB chunk; empty receives bill)',
    source: 'FACTS-2 §9 (cloudburn.io Mar 2026)',
    verified: false,
  },
  snsPublish: {
    usd: 0.5 / 1e6,
    per: 'standard topic publish (deliveries not counted)',
    source: 'FACTS-2 §9 (awsnegotiations.com, "approximately")',
    verified: false,
  },
  ssmAutomationStep: {
    usd: 0.002,
    per: 'Automation basic step (aws:executeScript seconds not counted)',
    source:
      'not found in FACTS-2 nor in the stored corpora (searched 2026-12-05); the figure commonly quoted for aws.amazon.com/systems-manager/pricing, unchecked',
    verified: false,
  },
} satisfies Record<string, Price>;

/** What a run used, in billable units. */
export interface Usage {
  lambdaRequests: number;
  lambdaGbSeconds: number;
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  eventBridgeEvents: number;
  sqsRequests: number;
  snsPublishes: number;
  automationSteps: number;
}

export interface CostLine {
  item: string;
  units: number;
  usd: number;
}

export function costOf(u: Usage): { lines: CostLine[]; usd: number } {
  const lines: CostLine[] = [
    { item: 'Lambda requests', units: u.lambdaRequests, usd: u.lambdaRequests * PRICES.lambdaRequest.usd },
    {
      item: 'Lambda GB-seconds',
      units: u.lambdaGbSeconds,
      usd: u.lambdaGbSeconds * PRICES.lambdaGbSecond.usd,
    },
    {
      item: 'DynamoDB reads (RRU)',
      units: u.dynamoReadUnits,
      usd: u.dynamoReadUnits * PRICES.dynamoRead.usd,
    },
    {
      item: 'DynamoDB writes (WRU)',
      units: u.dynamoWriteUnits,
      usd: u.dynamoWriteUnits * PRICES.dynamoWrite.usd,
    },
    {
      item: 'EventBridge custom events',
      units: u.eventBridgeEvents,
      usd: u.eventBridgeEvents * PRICES.eventBridgeCustomEvent.usd,
    },
    { item: 'SQS requests', units: u.sqsRequests, usd: u.sqsRequests * PRICES.sqsRequest.usd },
    { item: 'SNS publishes', units: u.snsPublishes, usd: u.snsPublishes * PRICES.snsPublish.usd },
    {
      item: 'SSM Automation steps',
      units: u.automationSteps,
      usd: u.automationSteps * PRICES.ssmAutomationStep.usd,
    },
  ];
  return { lines, usd: lines.reduce((a, l) => a + l.usd, 0) };
}
