import { configRuleRemediation } from './_config-rule.ts';

export default configRuleRemediation({
  id: 'restricted-ssh',
  title: 'Close SSH/RDP open to the internet',
  description:
    'Config rule restricted-ssh found a security group that allows 0.0.0.0/0 or ::/0 on port 22. ' +
    'AWS-DisablePublicAccessForSecurityGroup removes the SSH and RDP rules open to the world.',
  rules: ['restricted-ssh'],
  resourceType: 'AWS::EC2::SecurityGroup',
  document: 'AWS-DisablePublicAccessForSecurityGroup',
  resourceParameter: 'GroupId',
  resourceKind: 'securityGroupId',
  defaultMode: 'auto',
  exampleId: 'sg-0a1b2c3d4e5f67890',
  badExampleId: 'sg-NOT-AN-ID',
});
