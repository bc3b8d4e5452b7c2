import * as z from '../model/zod.ts';
import { safeResourceId } from './envelope.ts';

/** `Config Rules Compliance Change` detail (AWS-FACTS §1.1, §8). */
const evaluationResult = z.object({
  evaluationResultIdentifier: z.object({
    evaluationResultQualifier: z.object({
      configRuleName: z.string().check(z.minLength(1)),
      resourceType: z.string().check(z.minLength(1)),
      resourceId: safeResourceId,
    }),
    orderingTimestamp: z.iso.datetime({ offset: true }),
  }),
  complianceType: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']),
  resultRecordedTime: z.optional(z.string()),
  configRuleInvokedTime: z.optional(z.string()),
  annotation: z.nullish(z.string()),
});

export const configComplianceChange = z.object({
  resourceId: safeResourceId,
  // Account-level rules (cloudtrail-enabled, iam-password-policy, ...) evaluate `AWS::::Account`, id = the account.
  resourceType: z
    .string()
    .check(
      z.regex(
        /^AWS::([A-Za-z0-9]+::[A-Za-z0-9]+|::Account)$/,
        'must look like AWS::Service::Type or AWS::::Account',
      ),
    ),
  awsRegion: z.string().check(z.minLength(1)),
  awsAccountId: z.string().check(z.regex(/^\d{12}$/)),
  configRuleName: z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a Config rule name')),
  configRuleARN: z.string().check(z.minLength(1)),
  messageType: z.literal('ComplianceChangeNotification'),
  recordVersion: z.optional(z.string()),
  notificationCreationTime: z.optional(z.string()),
  newEvaluationResult: evaluationResult,
  oldEvaluationResult: z.optional(evaluationResult),
});

export type ConfigComplianceChange = z.infer<typeof configComplianceChange>;
