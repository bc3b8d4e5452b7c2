import type { SettingName } from './settings.ts';

/**
 * One line of documentation per setting of src/settings.ts, and its section (the docs table, the
 * comments of serverless.yml params); apart from the table so the Lambda bundles, which read SETTINGS,
 * do not carry the text. The compiler checks every setting has its line, and no other.
 */
export const DOCS: Record<SettingName, { group: string; doc: string }> = {
  logLevel: { group: 'Service', doc: 'Log level of every function (Powertools and Lambda).' },
  slackWebhookParam: {
    group: 'Service',
    doc: "Name of the SecureString that holds the Slack incoming-webhook URL ('' = no Slack).",
  },
  defaultCalendars: {
    group: 'Service',
    doc: 'Change calendars every remediation must find OPEN unless it names its own (comma-separated names or ARNs).',
  },
  automationAssumeRole: {
    group: 'Service',
    doc: "Role SSM Automation assumes for every runbook ('' = the service ships one role per remediation).",
  },
  remediationSettings: {
    group: 'Service',
    doc: 'Per-remediation settings, JSON: { "<id>": { "<setting>": "<value>" } }.',
  },
  optOutTag: { group: 'Guards (docs/guards.md)', doc: 'Tag key that opts a resource out.' },
  cooldownMaxRuns: {
    group: 'Guards (docs/guards.md)',
    doc: 'Loop guard: runs per remediation and resource per window.',
  },
  cooldownWindowHours: { group: 'Guards (docs/guards.md)', doc: 'Loop guard window, hours.' },
  budgetPerHour: {
    group: 'Guards (docs/guards.md)',
    doc: 'Executions started per rolling hour, account-wide.',
  },
  breakerFailures: {
    group: 'Guards (docs/guards.md)',
    doc: 'Circuit breaker: opens at this many failed of the last breakerLastRuns.',
  },
  breakerLastRuns: { group: 'Guards (docs/guards.md)', doc: 'Circuit breaker: runs looked at.' },
  breakerWindowMinutes: {
    group: 'Guards (docs/guards.md)',
    doc: 'Circuit breaker: only runs within this many minutes count; also how long it stays open.',
  },
  guardCacheSeconds: {
    group: 'Guards (docs/guards.md)',
    doc: "Seconds a container reuses the guards' account-wide reads (budget counter, breaker); 0 = never.",
  },
  automationConcurrentShare: {
    group: 'Admission (docs/guards.md "Admission")',
    doc: "The service's share of SSM's 100 running Automation executions.",
  },
  automationQueuedShare: {
    group: 'Admission (docs/guards.md "Admission")',
    doc: "The service's share of SSM's 1,000 queued Automation executions.",
  },
  switchesCacheSeconds: {
    group: 'Caches (per Lambda container)',
    doc: 'Seconds a container reuses the kill switch and modes; 0 = never.',
  },
  calendarCacheSeconds: {
    group: 'Caches (per Lambda container)',
    doc: 'Seconds a container reuses a Change Calendar state (never past its next transition); 0 = never.',
  },
  tagsCacheSeconds: {
    group: 'Caches (per Lambda container)',
    doc: "Seconds a container reuses a resource's tags (the opt-out gate); 0 = never.",
  },
  agentSweepRate: {
    group: 'Agent-health sweep (docs/agent-health.md)',
    doc: 'Schedule of the agent-health sweep.',
  },
  agentStaleMinutes: {
    group: 'Agent-health sweep (docs/agent-health.md)',
    doc: 'An Online agent whose last ping is older than this is stale.',
  },
  agentDebounceSweeps: {
    group: 'Agent-health sweep (docs/agent-health.md)',
    doc: 'Consecutive failing sweeps before an instance is announced disconnected.',
  },
  agentSweepPages: {
    group: 'Agent-health sweep (docs/agent-health.md)',
    doc: 'Pages (50 agents each) of Online agents read per sweep; the walk resumes at the next.',
  },
  agentSweepRps: {
    group: 'Agent-health sweep (docs/agent-health.md)',
    doc: 'DescribeInstanceInformation calls per second at most.',
  },
  reconcileRate: {
    group: 'Reconcile sweep and backfill',
    doc: 'Schedule of the reconcile sweep (deferred work, missed completions).',
  },
  deferralMaxAgeHours: {
    group: 'Reconcile sweep and backfill',
    doc: 'Held work older than this expires with a notification.',
  },
  verifyTimeoutMinutes: {
    group: 'Reconcile sweep and backfill',
    doc: 'Minutes to wait for Config to confirm a fix before "ran but not fixed".',
  },
  reconcilePollMinutes: {
    group: 'Reconcile sweep and backfill',
    doc: 'In-flight executions older than this are polled by the sweep.',
  },
  backfillPerRun: {
    group: 'Reconcile sweep and backfill',
    doc: 'Findings each scheduled sweep feeds from what Config reports NON_COMPLIANT now (0 = off).',
  },
  historyTtlDays: {
    group: 'Reconcile sweep and backfill',
    doc: 'Days outcome history is kept in the ledger.',
  },
  remediateConcurrency: {
    group: 'Concurrency and notifications',
    doc: 'Reserved concurrency of remediate (caps how hard a burst can drive SSM and the ledger).',
  },
  completeConcurrency: { group: 'Concurrency and notifications', doc: 'Reserved concurrency of complete.' },
  reconcileConcurrency: {
    group: 'Concurrency and notifications',
    doc: 'Reserved concurrency of reconcile (one sweep at a time).',
  },
  patchFanoutConcurrency: {
    group: 'Concurrency and notifications',
    doc: "Reserved concurrency of patchFanout (at least its SQS source's maximumConcurrency, 2).",
  },
  slackDigestWindow: {
    group: 'Concurrency and notifications',
    doc: "The Slack queue's batching window, seconds: one post per remediation per window.",
  },
  notifySlackConcurrency: {
    group: 'Concurrency and notifications',
    doc: 'Reserved concurrency of the Slack poster (Slack takes about one message a second).',
  },
  operatorPrincipals: {
    group: 'Trust boundaries (docs/security.md)',
    doc: "IAM role/user ARNs that may put operator events on the service's bus ('' = nobody).",
  },
  webhookKmsKeyArn: {
    group: 'Trust boundaries (docs/security.md)',
    doc: "Customer-managed KMS key of the webhook SecureString ('' = aws/ssm).",
  },
  production: {
    group: 'Operations (docs/operating.md "Alarms and what to do")',
    doc: 'A production stage is checked at package time (defaultCalendars, assume role).',
  },
  derivedAutomationRoles: {
    group: 'Operations (docs/operating.md "Alarms and what to do")',
    doc: "Production: 'true' accepts the per-remediation Automation roles the service ships.",
  },
  heldAlarmMinutes: {
    group: 'Operations (docs/operating.md "Alarms and what to do")',
    doc: 'The held-work alarm fires when the oldest held finding is older than this.',
  },
  slackSigningSecretParam: {
    group: 'Approvals (docs/approvals.md)',
    doc: "SecureString with the Slack app's signing secret, outside /ssm-remediator/<stage>/ so only the approval-callback role reads it.",
  },
  approvers: {
    group: 'Approvals (docs/approvals.md)',
    doc: "Slack user ids (U…/W…) and user-group ids (S…), comma-separated, allowed to approve or reject on this stage ('' = nobody).",
  },
  slackBotTokenParam: {
    group: 'Approvals (docs/approvals.md)',
    doc: "SecureString with the Slack app's bot token (scope usergroups:read), read only when approvers names a user group.",
  },
  slackApiUrl: {
    group: 'Approvals (docs/approvals.md)',
    doc: "Slack's Web API base URL, for user-group members (the sandbox points it at its own Slack).",
  },
  slackResponseHosts: {
    group: 'Approvals (docs/approvals.md)',
    doc: "Hosts the callback may post the message update to (Slack's response_url).",
  },
  approvalCallbackConcurrency: {
    group: 'Approvals (docs/approvals.md)',
    doc: 'Reserved concurrency of the approval callback.',
  },
};
