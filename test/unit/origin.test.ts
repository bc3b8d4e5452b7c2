/**
 * Strict envelopes (issue 12 item 7): the event's account and region against the deployment's and
 * against its own detail and ARNs; partitions from the region; S3's bucket naming rules.
 */
import { describe, expect, test } from 'vitest';
import { resourceArn } from '../../src/adapters/tags-tagging-api.ts';
import { ValidationError } from '../../src/model/errors.ts';
import { isId, requireId } from '../../src/model/ids.ts';
import { partitionOf } from '../../src/model/partition.ts';
import { parseFinding } from '../../src/events/finding.ts';
import { homeOf } from '../../src/events/origin.ts';
import { exampleEvent, variant } from '../helpers/events.ts';

/** An example event, as tests mutate it. */
type Ev = Record<string, unknown> & { detail: Record<string, unknown> };

const HOME = { account: '123456789012', region: 'us-east-1' };
const config = () => exampleEvent('config-rules-compliance-change-noncompliant');
const fieldOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof ValidationError) return e.field;
    throw e;
  }
  return undefined;
};

describe('the envelope against the deployment', () => {
  test('an event from the deployment itself parses', () => {
    expect(parseFinding(config(), HOME).account).toBe('123456789012');
  });
  test.each([
    ['another account', (v: Ev) => (v.account = '210987654321'), 'account'],
    ['another region', (v: Ev) => (v.region = 'eu-west-1'), 'region'],
  ])('%s → rejected naming the field', (_name, mutate, field) => {
    expect(fieldOf(() => parseFinding(variant(config(), mutate), HOME))).toBe(field);
  });
  test('the agent event of the sweep and the patch events are held to it too', () => {
    const agent = variant(exampleEvent('agent-disconnected'), (v) => (v.account = '210987654321'));
    expect(fieldOf(() => parseFinding(agent, HOME))).toBe('account');
    const patch = exampleEvent('ssm-configuration-compliance-patch-noncompliant');
    expect(fieldOf(() => parseFinding(patch, { ...HOME, region: 'eu-west-1' }))).toBe('region');
  });
  test('without a home (remediator plan, dry runs) only the event itself must agree', () => {
    expect(fieldOf(() => parseFinding(variant(config(), (v) => (v.account = '210987654321'))))).toBe(
      'detail.awsAccountId',
    );
  });
  test('the home comes from the function ARN (account) and AWS_REGION', () => {
    expect(
      homeOf('arn:aws:lambda:eu-west-1:210987654321:function:ssm-remediator-prod-remediate', 'eu-west-1'),
    ).toEqual({
      account: '210987654321',
      region: 'eu-west-1',
    });
    expect(homeOf(undefined, undefined)).toEqual({});
  });
});

describe('the detail and the ARNs against the envelope', () => {
  test.each([
    ['detail.awsAccountId', (v: Ev) => (v.detail.awsAccountId = '210987654321')],
    ['detail.awsRegion', (v: Ev) => (v.detail.awsRegion = 'us-west-2')],
    [
      'detail.configRuleARN',
      (v: Ev) =>
        (v.detail.configRuleARN = 'arn:aws-cn:config:us-east-1:123456789012:config-rule/config-rule-abc123'),
    ],
    [
      'detail.configRuleARN',
      (v: Ev) =>
        (v.detail.configRuleARN = 'arn:aws:config:us-east-1:210987654321:config-rule/config-rule-abc123'),
    ],
    ['resources[0]', (v: Ev) => (v.resources = ['arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1'])],
    [
      'resources[0]',
      (v: Ev) => (v.resources = ['arn:aws-us-gov:ec2:us-east-1:123456789012:security-group/sg-1']),
    ],
  ])('%s disagreeing → rejected naming it', (field, mutate) => {
    expect(fieldOf(() => parseFinding(variant(config(), mutate)))).toBe(field);
  });
  test('an event in China or GovCloud carries its own partition', () => {
    const cn = variant(config(), (v: Ev) => {
      v.region = v.detail.awsRegion = 'cn-north-1';
      v.detail.configRuleARN = 'arn:aws-cn:config:cn-north-1:123456789012:config-rule/config-rule-abc123';
    });
    expect(parseFinding(cn, { account: '123456789012', region: 'cn-north-1' }).region).toBe('cn-north-1');
  });
});

describe('partitions', () => {
  test.each([
    ['us-east-1', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
  ])('%s is in %s', (region, partition) => expect(partitionOf(region)).toBe(partition));

  test('the Tagging API ARN is built in the region’s partition, not always aws', () => {
    const r = {
      account: '123456789012',
      resourceId: 'sg-0a1b2c3d4e5f67890',
      resourceType: 'AWS::EC2::SecurityGroup',
    };
    expect(resourceArn({ ...r, region: 'cn-north-1' })).toBe(
      'arn:aws-cn:ec2:cn-north-1:123456789012:security-group/sg-0a1b2c3d4e5f67890',
    );
    expect(
      resourceArn({ ...r, region: 'us-gov-west-1', resourceType: 'AWS::S3::Bucket', resourceId: 'logs' }),
    ).toBe('arn:aws-us-gov:s3:::logs');
  });
});

describe('S3 bucket names follow S3’s rules', () => {
  test.each([
    'acme..logs',
    '192.168.1.1',
    'ab',
    'a'.repeat(64),
    'xn--acme-logs',
    'sthree-logs',
    'amzn-s3-demo-bucket',
    'acme-logs-s3alias',
    'acme--ol-s3',
    'acme.mrap',
    'acme--x-s3',
    'acme--table-s3',
    'Acme-Logs',
    'acme-logs-',
    '.acme',
    'acme_logs',
  ])('%s is rejected', (name) => {
    expect(isId('s3BucketName', name)).toBe(false);
    expect(() => requireId('s3BucketName', name, 'detail.resourceId')).toThrow(ValidationError);
  });
  test.each(['acme-logs', 'acme.logs', 'a.b.c', 'abc', 'a'.repeat(63), 'my-.bucket', '192.168.1.1.logs'])(
    '%s is accepted',
    (name) => expect(requireId('s3BucketName', name, 'detail.resourceId')).toBe(name),
  );
});
