import * as z from 'zod';
import { safeResourceId } from './envelope.ts';

/** `Config Rules Compliance Change` detail (AWS-FACTS §1.1, §8). */
const evaluationResult = z.object({
  evaluationResultIdentifier: z.object({
    evaluationResultQualifier: z.object({
      configRuleName: z.string().min(1),
      resourceType: z.string().min(1),
      resourceId: safeResourceId,
    }),
    orderingTimestamp: z.iso.datetime({ offset: true }),
  }),
  complianceType: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']),
  resultRecordedTime: z.string().optional(),
  configRuleInvokedTime: z.string().optional(),
  annotation: z.string().nullish(),
});

export const configComplianceChange = z.object({
  resourceId: safeResourceId,
  // Account-level rules (cloudtrail-enabled, iam-password-policy, ...) evaluate `AWS::::Account`, id = the account.
  resourceType: z
    .string()
    .regex(
      /^AWS::([A-Za-z0-9]+::[A-Za-z0-9]+|::Account)$/,
      'must look like AWS::Service::Type or AWS::::Account',
    ),
  awsRegion: z.string().min(1),
  awsAccountId: z.string().regex(/^\d{12}$/),
  configRuleName: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a Config rule name'),
  configRuleARN: z.string().min(1),
  messageType: z.literal('ComplianceChangeNotification'),
  recordVersion: z.string().optional(),
  notificationCreationTime: z.string().optional(),
  newEvaluationResult: evaluationResult,
  oldEvaluationResult: evaluationResult.optional(),
});

export type ConfigComplianceChange = z.infer<typeof configComplianceChange>;
