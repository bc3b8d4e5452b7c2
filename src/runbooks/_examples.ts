/** Builders for the worked examples remediation files carry (the test suite runs every one). */

/** A `Config Rules Compliance Change` event as EventBridge delivers it (AWS-FACTS §1.1). */
export function configEvent(
  rule: string,
  resourceType: string,
  resourceId: string,
  complianceType = 'NON_COMPLIANT',
): Record<string, unknown> {
  const qualifier = { configRuleName: rule, resourceType, resourceId };
  return {
    version: '0',
    id: '3f2b8c1e-5d4a-4b6e-9c7f-1a2b3c4d5e6f',
    'detail-type': 'Config Rules Compliance Change',
    source: 'aws.config',
    account: '123456789012',
    time: '2025-03-04T14:22:07Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      resourceId,
      awsRegion: 'us-east-1',
      awsAccountId: '123456789012',
      configRuleName: rule,
      recordVersion: '1.0',
      configRuleARN: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123',
      messageType: 'ComplianceChangeNotification',
      newEvaluationResult: {
        evaluationResultIdentifier: {
          evaluationResultQualifier: qualifier,
          orderingTimestamp: '2025-03-04T14:21:55.118Z',
        },
        complianceType,
        resultRecordedTime: '2025-03-04T14:22:06.402Z',
        configRuleInvokedTime: '2025-03-04T14:22:05.977Z',
      },
      notificationCreationTime: '2025-03-04T14:22:07.315Z',
      resourceType,
    },
  };
}
