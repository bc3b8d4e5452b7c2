// DescribeInstanceInformation (filters, paging, stopped instances) and documents (CreateDocument
// rules, AWS-owned documents, project YAML documents).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { createClock, type SimClock } from '../../sandbox/clock.ts';
import { createSsmService, type SsmState } from '../../sandbox/ssm/index.ts';
import type { ServiceDef } from '../../sandbox/types.ts';
import { operationCaller, type Out } from '../helpers/ssm-sim.ts';

const START = new Date('2025-03-04T12:00:00Z');

let clock: SimClock;
let def: ServiceDef;
let state: SsmState;

const { call, callError } = operationCaller(() => def);
const iid = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;
async function describeAll(input: Record<string, unknown>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let NextToken: unknown;
  do {
    const out = await call('DescribeInstanceInformation', { ...input, NextToken });
    pages++;
    ids.push(...(out.InstanceInformationList as Out[]).map((i) => String(i.InstanceId)));
    NextToken = out.NextToken;
  } while (NextToken);
  return { ids, pages };
}

beforeEach(() => {
  clock = createClock({ manual: true, start: START });
  ({ def, state } = createSsmService({
    clock,
    events: { emit: () => undefined },
    account: '123456789012',
    region: 'us-east-1',
  }));
});

describe('DescribeInstanceInformation', () => {
  beforeEach(() => {
    for (let i = 1; i <= 120; i++)
      state.addInstance({
        InstanceId: iid(i),
        PlatformType: i % 4 === 0 ? 'Windows' : 'Linux',
        tags: { Critical: i <= 12 ? 'true' : 'false' },
      });
    for (let i = 1; i <= 7; i++) state.setPingStatus(iid(i * 10), 'ConnectionLost');
  });

  test('pages past 50 instances with MaxResults 5–50 (default 10)', async () => {
    const all = await describeAll({ MaxResults: 50 });
    expect(all.ids).toHaveLength(120);
    expect(new Set(all.ids).size).toBe(120);
    expect(all.pages).toBe(3);
    const first = await call('DescribeInstanceInformation', {});
    expect(first.InstanceInformationList).toHaveLength(10);
    expect(typeof first.NextToken).toBe('string');
    expect((await callError('DescribeInstanceInformation', { MaxResults: 4 })).code).toBe(
      'ValidationException',
    );
    expect((await callError('DescribeInstanceInformation', { MaxResults: 51 })).code).toBe(
      'ValidationException',
    );
    expect((await callError('DescribeInstanceInformation', { NextToken: 'not-a-token' })).code).toBe(
      'InvalidNextToken',
    );
  });

  test('filters: PingStatus, PlatformTypes, InstanceIds, tags', async () => {
    const lost = await describeAll({
      Filters: [{ Key: 'PingStatus', Values: ['ConnectionLost'] }],
      MaxResults: 5,
    });
    expect(lost.ids).toEqual([10, 20, 30, 40, 50, 60, 70].map(iid));
    const winLost = await describeAll({
      Filters: [
        { Key: 'PingStatus', Values: ['ConnectionLost'] },
        { Key: 'PlatformTypes', Values: ['Windows'] },
      ],
    });
    expect(winLost.ids).toEqual([20, 40, 60].map(iid));
    expect((await describeAll({ Filters: [{ Key: 'InstanceIds', Values: [iid(3), iid(5)] }] })).ids).toEqual([
      iid(3),
      iid(5),
    ]);
    expect((await describeAll({ Filters: [{ Key: 'tag:Critical', Values: ['true'] }] })).ids).toHaveLength(
      12,
    );
    expect((await describeAll({ Filters: [{ Key: 'tag-key', Values: ['Critical'] }] })).ids).toHaveLength(
      120,
    );
  });

  test('tag filters cannot be combined with other filter types; legacy list + Filters is an error', async () => {
    const err = await callError('DescribeInstanceInformation', {
      Filters: [
        { Key: 'tag:Critical', Values: ['true'] },
        { Key: 'PingStatus', Values: ['ConnectionLost'] },
      ],
    });
    expect(err.code).toBe('InvalidInstanceInformationFilterValue');
    const both = await callError('DescribeInstanceInformation', {
      Filters: [{ Key: 'PingStatus', Values: ['Online'] }],
      InstanceInformationFilterList: [{ key: 'PingStatus', valueSet: ['Online'] }],
    });
    expect(both.code).toBe('ValidationException');
    expect(
      (await callError('DescribeInstanceInformation', { Filters: [{ Key: 'Colour', Values: ['x'] }] })).code,
    ).toBe('InvalidFilterKey');
  });

  test('stopped and terminated instances are not listed; LastPingDateTime is epoch seconds and freezes on ConnectionLost', async () => {
    state.setInstanceState(iid(1), 'stopped');
    state.setInstanceState(iid(2), 'terminated');
    expect((await describeAll({ MaxResults: 50 })).ids).toHaveLength(118);
    await clock.advance(12 * 60_000);
    const [online] = (
      await call('DescribeInstanceInformation', { Filters: [{ Key: 'InstanceIds', Values: [iid(3)] }] })
    ).InstanceInformationList as Out[];
    expect(online?.LastPingDateTime).toBe(START.getTime() / 1000 + 10 * 60);
    const [lost] = (
      await call('DescribeInstanceInformation', { Filters: [{ Key: 'InstanceIds', Values: [iid(10)] }] })
    ).InstanceInformationList as Out[];
    expect(lost).toMatchObject({
      PingStatus: 'ConnectionLost',
      LastPingDateTime: START.getTime() / 1000,
      ResourceType: 'EC2Instance',
    });
  });
});

describe('documents', () => {
  const cmdDoc = JSON.stringify({
    schemaVersion: '2.2',
    description: 'x',
    parameters: { Msg: { type: 'String', allowedPattern: '^[a-z]+$' } },
    mainSteps: [{ action: 'aws:runShellScript', name: 'run', inputs: { runCommand: ['echo "$SSM_Msg"'] } }],
  });

  test.each([
    'AWS-Mine',
    'aws-mine',
    'Amazon-Doc',
    'amzn-doc',
    'AWSEC2-Doc',
    'AWSConfigRemediation-Fix',
    'AWSSupport-Help',
  ])('reserved prefix %s → ValidationException', async (Name) => {
    expect((await callError('CreateDocument', { Name, Content: cmdDoc, DocumentType: 'Command' })).code).toBe(
      'ValidationException',
    );
  });

  test('CreateDocument: duplicates, size, schema and content checks', async () => {
    await call('CreateDocument', { Name: 'Remediator-Echo', Content: cmdDoc, DocumentType: 'Command' });
    expect(
      (
        await callError('CreateDocument', {
          Name: 'Remediator-Echo',
          Content: cmdDoc,
          DocumentType: 'Command',
        })
      ).code,
    ).toBe('DocumentAlreadyExists');
    const big = JSON.stringify({ ...JSON.parse(cmdDoc), description: 'x'.repeat(65 * 1024) });
    expect(
      (await callError('CreateDocument', { Name: 'Big', Content: big, DocumentType: 'Command' })).code,
    ).toBe('MaxDocumentSizeExceeded');
    expect(
      (
        await callError('CreateDocument', {
          Name: 'Auto1',
          Content: JSON.stringify({ schemaVersion: '2.2', mainSteps: [] }),
          DocumentType: 'Automation',
        })
      ).code,
    ).toBe('InvalidDocumentSchemaVersion');
    expect(
      (
        await callError('CreateDocument', {
          Name: 'Auto2',
          Content: 'schemaVersion: "0.3"\nparameters: {}\n',
          DocumentType: 'Automation',
          DocumentFormat: 'YAML',
        })
      ).code,
    ).toBe('InvalidDocumentContent');
    expect(
      (await callError('CreateDocument', { Name: 'Cmd1', Content: '{not json', DocumentType: 'Command' }))
        .code,
    ).toBe('InvalidDocumentContent');
  });

  test('AWS-owned documents are pre-loaded with their declared parameters', async () => {
    const d = (
      await call('DescribeDocument', { Name: 'AWSConfigRemediation-RemoveUnrestrictedSourceIngressRules' })
    ).Document as Out;
    expect(d).toMatchObject({
      Owner: 'Amazon',
      DocumentType: 'Automation',
      SchemaVersion: '0.3',
      DocumentVersion: '1',
    });
    expect((d.Parameters as Out[]).map((p) => p.Name)).toEqual(['SecurityGroupId', 'AutomationAssumeRole']);
    const patch = (await call('DescribeDocument', { Name: 'AWS-RunPatchBaseline' })).Document as Out;
    expect((patch.Parameters as Out[]).map((p) => p.Name)).toEqual([
      'Operation',
      'SnapshotId',
      'InstallOverrideList',
      'BaselineOverride',
      'RebootOption',
      'AssociationId',
    ]);
    for (const name of [
      'AWS-DisablePublicAccessForSecurityGroup',
      'AWS-DisableS3BucketPublicReadWrite',
      'AWS-EnableS3BucketEncryption',
      'AWSConfigRemediation-EnableS3BucketEncryption',
      'AWS-ConfigureS3BucketVersioning',
      'AWSSupport-TroubleshootManagedInstance',
      'AWS-RestartEC2Instance',
    ])
      expect(((await call('DescribeDocument', { Name: name })).Document as Out).DocumentType).toBe(
        'Automation',
      );
    expect((await callError('DescribeDocument', { Name: 'Missing' })).code).toBe('InvalidDocument');
  });

  test('loadDocumentsFromDir registers project YAML documents by file name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssm-docs-'));
    writeFileSync(
      join(dir, 'Remediator-TagInstance.yaml'),
      [
        'schemaVersion: "0.3"',
        'parameters:',
        '  InstanceId:',
        '    type: String',
        "    allowedPattern: '^i-[a-z0-9]{8,17}$'",
        'mainSteps:',
        '  - name: tag',
        '    action: aws:createTags',
        '    inputs: {}',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'README.md'), '# not a document');
    expect(state.loadDocumentsFromDir(dir)).toEqual(['Remediator-TagInstance']);
    expect(state.loadDocumentsFromDir(join(dir, 'missing'))).toEqual([]);
    expect(
      ((await call('DescribeDocument', { Name: 'Remediator-TagInstance' })).Document as Out).DocumentType,
    ).toBe('Automation');
    const bad = await callError('StartAutomationExecution', {
      DocumentName: 'Remediator-TagInstance',
      Parameters: { InstanceId: ['i-1; rm'] },
    });
    expect(bad.code).toBe('InvalidAutomationExecutionParametersException');
  });
});
