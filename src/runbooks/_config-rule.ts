/**
 * Most Config remediations are the same shape: one rule, one resource type, one AWS-owned
 * Automation runbook whose parameters come from the finding. This helper writes that shape.
 */
import { requireId, type IdKind } from '../model/ids.ts';
import {
  defineRemediation,
  startAutomation,
  type Remediation,
  type RemediationExample,
} from '../core/remediation.ts';
import type { Mode } from '../model/types.ts';
import { configEvent } from './_examples.ts';

export interface ConfigRuleRemediation {
  id: string;
  title: string;
  description: string;
  /** Config rule names (managed rule names, or your rule's name) this remediation answers. */
  rules: string[];
  resourceType: string;
  document: string;
  /** The document parameter that takes the resource id, and the id's shape. */
  resourceParameter: string;
  resourceKind: IdKind;
  /** Fixed parameters (validated by the document's allowedValues). */
  fixedParameters?: Record<string, string>;
  defaultMode: Mode;
  calendars?: string[];
  /** A valid resource id for the examples, and one of the right type but the wrong shape. */
  exampleId: string;
  badExampleId: string;
  extraExamples?: RemediationExample[];
}

export function configRuleRemediation(c: ConfigRuleRemediation): Remediation {
  const rule = c.rules[0]!;
  const params = (id: string, role?: string) => ({
    [c.resourceParameter]: [id],
    ...Object.fromEntries(Object.entries(c.fixedParameters ?? {}).map(([k, v]) => [k, [v]])),
    ...(role ? { AutomationAssumeRole: [role] } : {}),
  });
  return defineRemediation({
    id: c.id,
    title: c.title,
    description: c.description,
    trigger: 'config.noncompliant',
    applies: (f) => f.rule !== undefined && c.rules.includes(f.rule) && f.resourceType === c.resourceType,
    configRules: c.rules.map((rule) => ({ rule, resourceType: c.resourceType })),
    defaultMode: c.defaultMode,
    ...(c.calendars ? { calendars: c.calendars } : {}),
    documents: [{ name: c.document, type: 'Automation' }],
    permissions: ['ssm:StartAutomationExecution'],
    plan: (f, _facts, ctx) => [
      startAutomation(
        c.document,
        params(requireId(c.resourceKind, f.resourceId, 'detail.resourceId'), ctx.assumeRoleArn),
      ),
    ],
    examples: [
      {
        name: `non-compliant ${c.resourceType} → ${c.document}`,
        event: configEvent(rule, c.resourceType, c.exampleId),
        expect: { outcome: 'started', actions: [startAutomation(c.document, params(c.exampleId))] },
      },
      {
        name: 'a resource id of the wrong shape is rejected, never passed on',
        event: configEvent(rule, c.resourceType, c.badExampleId),
        expect: { outcome: 'rejected', actions: [] },
      },
      {
        name: 'another rule does not apply',
        event: configEvent('some-other-rule', c.resourceType, c.exampleId),
        expect: { applies: false },
      },
      {
        name: 'calendar closed → deferred',
        event: configEvent(rule, c.resourceType, c.exampleId),
        facts: { calendar: 'CLOSED', nextTransitionTime: '2025-03-10T06:00:00Z' },
        expect: { outcome: 'deferred', actions: [] },
      },
      // It relies on the stage's default calendar: a stage with none never acts (packaging refuses it).
      ...(c.calendars
        ? []
        : [
            {
              name: 'a stage with no default calendar → skipped (no-calendar), fail closed',
              event: configEvent(rule, c.resourceType, c.exampleId),
              facts: { defaultCalendars: [] },
              expect: { outcome: 'skipped' as const, actions: [] },
            },
          ]),
      ...(c.extraExamples ?? []),
    ],
  });
}
