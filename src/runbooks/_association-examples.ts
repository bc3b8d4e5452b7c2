/**
 * Example events for association.failed, as EventBridge delivers them. Shapes from the SSM User
 * Guide's event examples (monitoring-systems-manager-event-examples), as AWS-FACTS §1.5 and §1.6 copy
 * them: `EC2 State Manager Instance Association State Change` and the Association variant of
 * `Configuration Compliance State Change` (which names only the instance).
 */
export const EXAMPLE_ASSOCIATION = '34fcb7e0-9a14-4984-9989-0e04e3f60bd8';
export const EXAMPLE_RUN = '2025-03-04T03:30:05Z';

/** `EC2 State Manager Instance Association State Change`, status `status`. */
export function associationStateEvent(
  instanceId: string,
  associationId = EXAMPLE_ASSOCIATION,
  status = 'Failed',
  lastExecution = EXAMPLE_RUN,
): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 State Manager Instance Association State Change',
    source: 'aws.ssm',
    account: '123456789012',
    time: '2025-03-04T03:30:41Z',
    region: 'us-east-1',
    resources: [
      `arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`,
      'arn:aws:ssm:us-east-1:123456789012:document/my-custom-document',
    ],
    detail: {
      'association-id': associationId,
      'instance-id': instanceId,
      'document-name': 'my-custom-document',
      'document-version': '1',
      targets: `[{"key":"InstanceIds","values":["${instanceId}"]}]`,
      'creation-date': '2025-02-23T15:23:48Z',
      'last-successful-execution-date': '2025-03-03T03:30:04Z',
      'last-execution-date': lastExecution,
      status,
      'detailed-status': status === 'Failed' ? 'Failed' : status,
      'error-code': status === 'Failed' ? '1' : '',
      'execution-summary': status === 'Failed' ? '1 out of 1 plugin processed, 0 success, 1 failed' : '',
      'output-url': '',
      'instance-association-cwe-version': '1',
    },
  };
}

/** `Configuration Compliance State Change` with compliance-type Association (no association id). */
export function associationComplianceEvent(
  instanceId: string,
  status: 'compliant' | 'non_compliant' = 'non_compliant',
  lastRuntime = EXAMPLE_RUN,
): Record<string, unknown> {
  return {
    version: '0',
    id: '01234567-0123-0123-0123-0123456789ab',
    'detail-type': 'Configuration Compliance State Change',
    source: 'aws.ssm',
    account: '123456789012',
    time: '2025-03-04T03:31:02Z',
    region: 'us-east-1',
    resources: [`arn:aws:ssm:us-east-1:123456789012:managed-instance/${instanceId}`],
    detail: {
      'last-runtime': lastRuntime,
      'compliance-status': status,
      'resource-type': 'managed-instance',
      'resource-id': instanceId,
      'compliance-type': 'Association',
    },
  };
}
