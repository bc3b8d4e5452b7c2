import { configRuleRemediation } from './_config-rule.ts';

export default configRuleRemediation({
  id: 'vpc-sg-open-only-to-authorized-ports',
  title: 'Close unauthorized ports open to the internet',
  description:
    'Config rule vpc-sg-open-only-to-authorized-ports found a security group open to 0.0.0.0/0 on a port ' +
    'outside the authorized list. Starts in shadow: the runbook only closes SSH/RDP, so review what it would do first.',
  rules: ['vpc-sg-open-only-to-authorized-ports'],
  resourceType: 'AWS::EC2::SecurityGroup',
  document: 'AWS-DisablePublicAccessForSecurityGroup',
  resourceParameter: 'GroupId',
  resourceKind: 'securityGroupId',
  defaultMode: 'shadow',
  exampleId: 'sg-0123456789abcdef0',
  badExampleId: 'sg-1;reboot',
});
