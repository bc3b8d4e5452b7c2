/**
 * The remediation contract: what a runbook author writes, one file in src/runbooks/. Everything
 * else (registry, IAM statements, deployed documents, contract tests) is derived from these files.
 */
import type { Permission } from './permissions.ts';
import type {
  Action,
  DocumentParameters,
  Facts,
  Finding,
  InstanceFact,
  Mode,
  PlanResult,
  StartAutomationAction,
  TriggerFamily,
} from '../model/types.ts';
import type { Need } from './facts.ts';

/** What a plan may read besides the finding and facts: stage configuration. */
export interface PlanContext {
  /** The IAM role SSM Automation assumes (stage parameter), if configured. */
  assumeRoleArn?: string;
  /** Per-remediation settings from the stage (e.g. RebootOption). */
  settings: Record<string, string>;
}

export interface DocumentRef {
  /** The SSM document name: AWS-owned (`AWS-...`) or ours (`src/runbooks/documents/<name>.yaml`). */
  name: string;
  type: 'Automation' | 'Command';
  /** Ours: the YAML file, relative to src/runbooks/ (e.g. `documents/ssm-remediator-Foo.yaml`). */
  file?: string;
  /**
   * Automation: what its steps call (one entry per IAM action, resources as Fn::Sub ARNs or `*` for
   * actions with no resource type). The service ships an assume role with exactly these. An AWS-owned
   * runbook not in the shared src/runbooks/_aws-documents.ts declares them here.
   */
  assumeRole?: { action: string; resources: string[] }[];
  /**
   * AWS-owned: the parameters the document declares (from its page in the runbook reference), so the
   * remediation file alone is enough for `remediator check` to verify what its plan passes; when set,
   * the shared table's entry for the document (if any) is not used.
   */
  parameters?: Record<string, { required?: boolean }>;
}

/** Facts an example (or `remediator plan`) decides with; anything unset takes the plan defaults. */
export interface ExampleFacts {
  calendar?: 'OPEN' | 'CLOSED';
  nextTransitionTime?: string;
  mode?: Mode;
  killSwitch?: boolean;
  tags?: Record<string, string>;
  /** Agent status of the finding's instance (patch and agent findings). */
  pingStatus?: InstanceFact['pingStatus'];
  /** Its last ping as SSM reports it (ISO-8601); unset: unknown. */
  lastPingDateTime?: string;
  /**
   * association.failed: the instance's associations as DescribeInstanceAssociationsStatus reports them;
   * unset: only the event's own association is known (as Failed).
   */
  associations?: { associationId: string; status: string }[];
  /**
   * The stage's default change calendars (serverless.yml `defaultCalendars`); unset: the sandbox
   * stage's (`EXAMPLE_STAGE_CALENDARS`, src/core/facts.ts). `[]`: a stage with none (fail closed).
   */
  defaultCalendars?: string[];
}

export interface RemediationExample {
  name: string;
  /** A full EventBridge event, as the rule delivers it. */
  event: Record<string, unknown>;
  /** Facts to decide with; unset facts: calendar OPEN, mode auto, kill switch off, no tags, agent Online. */
  facts?: ExampleFacts;
  expect: {
    /** Whether the remediation applies to the event's finding (default true). */
    applies?: boolean;
    /** The outcome the gates and plan lead to (`started` for a plan that acts). */
    outcome?: 'started' | 'skipped' | 'deferred' | 'rejected';
    /** The plan's actions (compared with toEqual). */
    actions?: Action[];
  };
}

/**
 * A remediation of one trigger family `F`: `applies` and `plan` receive that family's findings only
 * (`Finding<F>`, with its typed `detail`). `Remediation` (no argument) is one of any family.
 */
export interface Remediation<F extends TriggerFamily = TriggerFamily> {
  /** Unique, kebab-case; by convention the file name. */
  id: string;
  title: string;
  trigger: F;
  description?: string;
  /** Pure: does this remediation handle this finding? (Only asked for findings of its family.) */
  applies(finding: Finding<F>): boolean;
  /**
   * Facts the plan reads beyond the event (src/core/facts.ts): `instance` (the agent's status),
   * `associations` (the instance's State Manager associations). The gates' own facts (switches,
   * tags, calendar, history) are always read; only what is declared is read, by the engine and the
   * dry run alike. Unset: none.
   */
  needs?: readonly Need[];
  /**
   * config.noncompliant: the Config rules (and the resource type each evaluates) this remediation
   * answers. Backfill lists each rule's NON_COMPLIANT resources (GetComplianceDetailsByConfigRule),
   * and `remediator remediate` builds a manual finding from the first.
   */
  configRules?: ConfigRuleRef[];
  /** Mode when Parameter Store has none for this remediation. New remediations start in shadow. */
  defaultMode: Mode;
  /**
   * Change calendars that must be OPEN (names or ARNs); omitted: the stage's default calendars. With
   * neither, the remediation never acts (fail closed, code `no-calendar`) and packaging refuses the stage.
   * `[]` runs with no calendar and needs `calendarExemption`.
   */
  calendars?: string[];
  /** Why this remediation may act outside change windows (required with `calendars: []`). */
  calendarExemption?: string;
  /** When the calendar is CLOSED: defer until it opens (default), or skip. */
  whenClosed?: 'defer' | 'skip';
  /** Documents the plan may start. IAM and the deployed AWS::SSM::Document resources come from here. */
  documents: DocumentRef[];
  /**
   * IAM actions the service needs to carry out this remediation's actions (e.g. ssm:StartAutomationExecution);
   * anything beyond the document actions names its resource ARNs (src/core/permissions.ts).
   */
  permissions: Permission[];
  /** Settings read from the stage (name → default), passed in PlanContext.settings. */
  settings?: Record<string, string>;
  /**
   * Pure: the SSM calls to make (in order), or one skip. A `sendCommand` carries its own rate control.
   * Throw ValidationError (via requireId) for a parameter of the wrong shape.
   */
  plan(finding: Finding<F>, facts: Facts, ctx: PlanContext): PlanResult;
  examples: RemediationExample[];
}

export interface ConfigRuleRef {
  rule: string;
  resourceType: string;
}

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Declares a remediation of the family its `trigger` names: `applies` and `plan` are typed for that
 * family's findings. Checks the cheap things at load time so mistakes fail fast.
 */
export function defineRemediation<F extends TriggerFamily>(r: Remediation<F>): Remediation<F> {
  if (!ID.test(r.id)) throw new Error(`remediation id ${JSON.stringify(r.id)} must be kebab-case`);
  return Object.freeze({ whenClosed: 'defer', ...r });
}

/**
 * Whether a remediation handles a finding: its family, then its own `applies` (the only place a
 * finding meets a remediation of another family, so the only place the family is checked at run time).
 */
export function appliesTo(r: Remediation, finding: Finding): boolean {
  return r.trigger === finding.family && r.applies(finding);
}

/** Convenience builders for plans. */
export const startAutomation = (document: string, parameters: DocumentParameters): StartAutomationAction => ({
  kind: 'startAutomation',
  document,
  parameters,
});
