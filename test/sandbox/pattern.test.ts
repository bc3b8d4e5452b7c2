import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  compilePattern,
  InvalidPatternError,
  matches,
  validatePattern,
  type EventPattern,
} from '../../sandbox/eventbridge/pattern.ts';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
const loadEvent = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.resolve(projectRoot, 'examples', 'events', name), 'utf8')) as Record<
    string,
    unknown
  >;

/** `pattern` must match every event in `yes` and none in `no`. */
function expectMatching(pattern: EventPattern, yes: unknown[], no: unknown[]): void {
  for (const event of yes)
    expect(matches(pattern, event), `should match ${JSON.stringify(event)}`).toBe(true);
  for (const event of no)
    expect(matches(pattern, event), `should not match ${JSON.stringify(event)}`).toBe(false);
}

describe('exact values', () => {
  test('strings are case-sensitive and exact', () => {
    expectMatching(
      { state: ['running'] },
      [{ state: 'running' }],
      [{ state: 'Running' }, { state: 'running ' }, {}],
    );
  });

  test('numbers compare numerically and are distinct from strings', () => {
    expectMatching({ n: [300] }, [{ n: 300 }, { n: 3e2 }, { n: 300.0 }], [{ n: '300' }, { n: 301 }]);
  });

  test('booleans and null are distinct from strings and numbers', () => {
    expectMatching({ b: [true] }, [{ b: true }], [{ b: 'true' }, { b: 1 }, { b: false }]);
    expectMatching({ z: [null] }, [{ z: null }], [{ z: 'null' }, { z: '' }, { z: 0 }, {}]);
    expectMatching({ f: [false] }, [{ f: false }], [{ f: 0 }, { f: null }]);
  });

  test('the empty string is a value of its own', () => {
    expectMatching({ v: [''] }, [{ v: '' }], [{ v: 'x' }, { v: null }, {}]);
  });

  test('a leaf array is an OR of its values', () => {
    expectMatching(
      { state: ['stopped', 'terminated'] },
      [{ state: 'stopped' }, { state: 'terminated' }],
      [{ state: 'running' }],
    );
  });

  test('an array in the event matches if any element matches', () => {
    expectMatching(
      { resources: ['arn:a', 'arn:b'] },
      [{ resources: ['arn:x', 'arn:b'] }, { resources: 'arn:a' }, { resources: [['arn:a']] }],
      [{ resources: ['arn:x'] }, { resources: [] }],
    );
  });

  test('an object or an array of objects is not a leaf value', () => {
    expectMatching(
      { state: ['running'] },
      [],
      [{ state: { name: 'running' } }, { state: [{ name: 'running' }] }],
    );
  });

  test('field names are case-sensitive', () => {
    expectMatching({ MY_KEY: ['v'] }, [{ MY_KEY: 'v' }], [{ my_key: 'v' }]);
  });

  test('every field of the pattern must match (AND)', () => {
    expectMatching({ a: ['1'], b: ['2'] }, [{ a: '1', b: '2', c: '3' }], [{ a: '1' }, { a: '1', b: '3' }]);
  });
});

describe('nested objects', () => {
  test('the pattern follows the event structure', () => {
    const pattern = { detail: { a: { b: ['deep'] } } };
    expectMatching(
      pattern,
      [{ detail: { a: { b: 'deep', c: 1 } } }],
      [{ detail: { a: { c: { b: 'deep' } } } }, { detail: { b: 'deep' } }, { detail: '{"a":{"b":"deep"}}' }],
    );
  });

  test('objects inside arrays contribute their fields to the same path', () => {
    const event = {
      songs: [
        { name: 'A', writers: [{ first: 'Paul' }] },
        { name: 'B', writers: [{ first: 'Mick' }] },
      ],
    };
    expectMatching({ songs: { writers: { first: ['Mick'] } } }, [event], []);
    expectMatching({ songs: { writers: { first: ['Ringo'] } } }, [], [event]);
  });

  test('does not read inherited properties', () => {
    expectMatching({ constructor: [{ exists: true }] }, [{ constructor: 'x' }], [{}]);
    expectMatching({ toString: [{ exists: false }] }, [{}], []);
  });
});

describe('envelope fields', () => {
  const event = {
    version: '0',
    id: 'e-1',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:111122223333:instance/i-1'],
    detail: { state: 'terminated' },
  };

  test('source, detail-type, account, region, resources and time are plain top-level fields', () => {
    expectMatching(
      {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        account: ['111122223333'],
        region: ['us-west-1'],
        resources: ['arn:aws:ec2:us-west-1:111122223333:instance/i-1'],
        time: [{ prefix: '2017-12-22' }],
        detail: { state: ['terminated'] },
      },
      [event],
      [
        { ...event, region: 'us-east-1' },
        { ...event, source: 'aws.ec2.custom' },
        { ...event, resources: [] },
      ],
    );
  });
});

describe('prefix and suffix', () => {
  test('prefix', () => {
    expectMatching(
      { r: [{ prefix: 'us-' }] },
      [{ r: 'us-east-1' }, { r: ['eu-west-1', 'us-west-2'] }],
      [{ r: 'eu-west-1' }, { r: 'US-east-1' }, { r: 12 }, { r: null }, {}],
    );
  });

  test('an empty prefix matches any string', () => {
    expectMatching({ r: [{ prefix: '' }] }, [{ r: '' }, { r: 'x' }], [{ r: 1 }, {}]);
  });

  test('prefix ignoring case', () => {
    expectMatching(
      { s: [{ prefix: { 'equals-ignore-case': 'EventB' } }] },
      [{ s: 'eventbridge' }, { s: 'EVENTB' }],
      [{ s: 'Events' }, { s: 'xEventB' }],
    );
  });

  test('suffix', () => {
    expectMatching(
      { f: [{ suffix: '.png' }] },
      [{ f: 'image.png' }, { f: '.png' }],
      [{ f: 'image.PNG' }, { f: 'image.png.bak' }, { f: 100 }],
    );
  });

  test('suffix of multi-byte characters', () => {
    expectMatching({ t: [{ suffix: '统治者' }] }, [{ t: '事件统治者' }], [{ t: '统治者事件' }]);
  });

  test('suffix ignoring case', () => {
    expectMatching(
      { f: [{ suffix: { 'equals-ignore-case': '.png' } }] },
      [{ f: 'image.PNG' }, { f: 'a.Png' }],
      [{ f: 'image.jpg' }, { f: 'png' }],
    );
  });
});

describe('equals-ignore-case', () => {
  test('matches strings regardless of case, only whole strings', () => {
    expectMatching(
      { name: [{ 'equals-ignore-case': 'alice' }] },
      [{ name: 'ALICE' }, { name: 'Alice' }, { name: ['bob', 'aLiCe'] }],
      [{ name: 'Alicia' }, { name: 'alice ' }, {}],
    );
  });

  test('only matches strings', () => {
    expectMatching({ flag: [{ 'equals-ignore-case': 'TRUE' }] }, [{ flag: 'true' }], [{ flag: true }]);
  });

  test('non-ASCII letters', () => {
    expectMatching({ v: [{ 'equals-ignore-case': 'ŐaBc' }] }, [{ v: 'őAbC' }], [{ v: 'OaBc' }]);
  });
});

describe('anything-but', () => {
  test('a single string', () => {
    expectMatching(
      { state: [{ 'anything-but': 'initializing' }] },
      [{ state: 'pending' }, { state: null }, { state: 12 }, { state: 'INITIALIZING' }],
      [{ state: 'initializing' }, {}, { state: [] }],
    );
  });

  test('a single number, compared numerically and only against numbers', () => {
    expectMatching({ n: [{ 'anything-but': 123 }] }, [{ n: 789 }, { n: '123' }], [{ n: 123 }, { n: 123.0 }]);
  });

  test('a list of strings', () => {
    expectMatching(
      { state: [{ 'anything-but': ['stopped', 'overloaded'] }] },
      [{ state: 'pending' }, { state: ['running', 'pending'] }],
      [{ state: 'stopped' }, { state: ['overloaded'] }],
    );
  });

  test('a list of numbers', () => {
    expectMatching(
      { x: [{ 'anything-but': [100, 200, 300] }] },
      [{ x: 999 }, { x: 100.5 }, { x: '100' }],
      [{ x: 100 }, { x: 300 }],
    );
  });

  test('prefix, one or several', () => {
    expectMatching(
      { r: [{ 'anything-but': { prefix: 'us-' } }] },
      [{ r: 'eu-west-1' }, { r: 12 }, { r: null }],
      [{ r: 'us-east-1' }, {}],
    );
    expectMatching(
      { s: [{ 'anything-but': { prefix: ['init', 'post'] } }] },
      [{ s: 'pre-init' }],
      [{ s: 'post-init' }, { s: 'initial' }],
    );
  });

  test('suffix, one or several', () => {
    expectMatching(
      { f: [{ 'anything-but': { suffix: '.txt' } }] },
      [{ f: 'file.txt.bak' }, { f: '' }],
      [{ f: 'file.txt' }],
    );
    expectMatching(
      { f: [{ 'anything-but': { suffix: ['.txt', '.jpg'] } }] },
      [{ f: 'a.png' }],
      [{ f: 'a.jpg' }],
    );
  });

  test('equals-ignore-case, one or several', () => {
    expectMatching(
      { s: [{ 'anything-but': { 'equals-ignore-case': 'Stopped' } }] },
      [{ s: 'running' }],
      [{ s: 'STOPPED' }, { s: 'stopped' }],
    );
    expectMatching(
      { s: [{ 'anything-but': { 'equals-ignore-case': ['yes', 'please'] } }] },
      [{ s: 'no' }],
      [{ s: 'yEs' }, { s: 'PLEASE' }],
    );
  });

  test('wildcard, one or several', () => {
    expectMatching(
      { p: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      [{ p: '/usr/bin/bash' }, { p: 7 }],
      [{ p: '/usr/lib/libc.so' }],
    );
    expectMatching(
      { p: [{ 'anything-but': { wildcard: ['*foo*', '*bar*'] } }] },
      [{ p: 'fobaor' }],
      [{ p: 'xbarx' }, { p: 'foo' }],
    );
  });

  test('alternatives are OR-ed: two anything-buts match anything present', () => {
    expectMatching(
      { bar: [{ 'anything-but': 'a' }, { 'anything-but': 'b' }] },
      [{ bar: 'a' }, { bar: 'b' }],
      [{}],
    );
  });
});

describe('numeric', () => {
  test.each([
    ['=', 100, [100, 100.0], [100.5, 99]],
    ['<', 0, [-0.000002, -5], [0, 1]],
    ['<=', 3.8, [3.8, -1], [3.9]],
    ['>', 0, [0.000001, 7], [0, -1]],
    ['>=', 0, [0, 1], [-0.000002]],
  ] as const)('single comparison %s %d', (op, bound, yes, no) => {
    expectMatching(
      { v: [{ numeric: [op, bound] }] },
      yes.map((v) => ({ v })),
      no.map((v) => ({ v })),
    );
  });

  test('a range with two comparisons', () => {
    expectMatching(
      { p: [{ numeric: ['>', 10, '<=', 20] }] },
      [{ p: 20 }, { p: 10.5 }],
      [{ p: 10 }, { p: 20.01 }],
    );
    expectMatching({ t: [{ numeric: ['>=', -40.5, '<', -10] }] }, [{ t: -40.5 }], [{ t: -10 }, { t: -41 }]);
  });

  test('compares numbers, not strings, and matches only JSON numbers', () => {
    // As strings, "9" > "10"; as numbers it is not.
    expectMatching(
      { v: [{ numeric: ['<', 10] }] },
      [{ v: 9 }, { v: [100, 5] }],
      [{ v: 10 }, { v: 100 }, { v: '5' }, { v: true }, { v: null }, {}],
    );
  });
});

describe('exists', () => {
  test('exists: true needs a leaf value (null and "" count)', () => {
    expectMatching(
      { d: { k: [{ exists: true }] } },
      [{ d: { k: 'v' } }, { d: { k: null } }, { d: { k: '' } }],
      [{ d: {} }, { d: { k: { nested: 1 } } }, { d: { k: [] } }, {}],
    );
  });

  test('exists: false matches a missing field (also when the parent is missing)', () => {
    expectMatching(
      { d: { k: [{ exists: false }] } },
      [{ d: {} }, {}, { d: { k: [] } }, { d: { k: { nested: 1 } } }],
      [{ d: { k: 'v' } }, { d: { k: null } }, { d: [{ x: 1 }, { k: 2 }] }],
    );
  });

  test('exists inside arrays of objects', () => {
    expectMatching(
      { automations: { id: [{ exists: true }] } },
      [{ automations: [{ a: 1 }, { id: 'x' }] }],
      [{ automations: [{ a: 1 }] }, { automations: [] }],
    );
  });
});

describe('wildcard', () => {
  test('* matches any run of characters, including none', () => {
    expectMatching(
      { k: [{ wildcard: 'arn:aws:ec2:*:123456789012:instance/*' }] },
      [
        { k: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1' },
        { k: 'arn:aws:ec2::123456789012:instance/' },
      ],
      [{ k: 'arn:aws:ec2:us-east-1:999999999999:instance/i-1' }, { k: 'arn:aws:s3:::bucket' }, { k: 12 }],
    );
    expectMatching({ k: [{ wildcard: '*' }] }, [{ k: '' }, { k: 'anything' }], [{ k: 1 }, {}]);
    expectMatching(
      { k: [{ wildcard: 'h*l*o' }] },
      [{ k: 'hlo' }, { k: 'hello' }],
      [{ k: 'heeo' }, { k: 'hell' }],
    );
  });

  test('without * it is an exact match; the empty wildcard matches only ""', () => {
    expectMatching({ k: [{ wildcard: 'abc' }] }, [{ k: 'abc' }], [{ k: 'abcd' }]);
    expectMatching({ k: [{ wildcard: '' }] }, [{ k: '' }], [{ k: 'x' }]);
  });

  test('\\* is a literal star and \\\\ a literal backslash', () => {
    expectMatching({ k: [{ wildcard: 'hel\\*o' }] }, [{ k: 'hel*o' }], [{ k: 'hello' }]);
    expectMatching(
      { k: [{ wildcard: 'he\\\\*llo' }] },
      [{ k: 'he\\xxllo' }, { k: 'he\\llo' }],
      [{ k: 'hexxllo' }],
    );
  });

  // Back-tracking over 9 stars and 20,000 characters would not end within the test's timeout on any
  // machine; a linear matcher answers in milliseconds even on a loaded one. No wall-clock bound here.
  test('does not back-track exponentially', { timeout: 30_000 }, () => {
    expect(matches({ k: [{ wildcard: '*a*a*a*a*a*a*a*a*a*b' }] }, { k: 'a'.repeat(20_000) })).toBe(false);
  });
});

describe('cidr', () => {
  test('IPv4', () => {
    expectMatching(
      { ip: [{ cidr: '10.0.0.0/24' }] },
      [{ ip: '10.0.0.0' }, { ip: '10.0.0.255' }, { ip: ['192.168.0.1', '10.0.0.42'] }],
      [
        { ip: '10.0.1.0' },
        { ip: '10.0.0.256' },
        { ip: 'not-an-ip' },
        { ip: '2001:db8::1' },
        { ip: 167772161 },
      ],
    );
  });

  test('host bits of the range are ignored', () => {
    expectMatching(
      { ip: [{ cidr: '220.160.153.171/31' }] },
      [{ ip: '220.160.153.170' }],
      [{ ip: '220.160.153.172' }],
    );
  });

  test('IPv6, any spelling', () => {
    expectMatching(
      { ip: [{ cidr: '2400:6500:FF00::36FB:1F80/122' }] },
      [{ ip: '2400:6500:ff00::36fb:1fbf' }, { ip: '2400:6500:ff00:0000:0000:0000:36fb:1f80' }],
      [{ ip: '2400:6500:ff00::36fb:1fc0' }, { ip: '10.0.0.1' }],
    );
  });
});

describe('$or', () => {
  test('at the top level', () => {
    expectMatching(
      { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
      [{ Location: 'Boston', Day: 'Monday' }, { Location: 'New York' }],
      [{ Location: 'Boston', Day: 'Friday' }],
    );
  });

  test('nested, with AND inside a branch and beside the $or', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      detail: {
        $or: [
          { metricName: ['CPUUtilization'] },
          { metricType: ['MetricType'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        ],
      },
    };
    expectMatching(
      pattern,
      [
        { source: 'aws.cloudwatch', detail: { metricName: 'CPUUtilization' } },
        { source: 'aws.cloudwatch', detail: { metricType: 'MetricType', spaceId: 1000 } },
      ],
      [
        { source: 'aws.ec2', detail: { metricName: 'CPUUtilization' } },
        { source: 'aws.cloudwatch', detail: { metricType: 'MetricType', metricId: 1 } },
        { source: 'aws.cloudwatch', detail: { metricId: 1234 } },
      ],
    );
  });
});

describe("the service's own patterns", () => {
  const configNonCompliant = {
    source: ['aws.config'],
    'detail-type': ['Config Rules Compliance Change'],
    detail: {
      messageType: ['ComplianceChangeNotification'],
      newEvaluationResult: { complianceType: ['NON_COMPLIANT'] },
    },
  };

  test('Config NON_COMPLIANT findings', () => {
    const noncompliant = loadEvent('config-rules-compliance-change-noncompliant.json');
    const compliant = structuredClone(noncompliant) as {
      detail: { newEvaluationResult: { complianceType: string } };
    };
    compliant.detail.newEvaluationResult.complianceType = 'COMPLIANT';
    expectMatching(
      configNonCompliant,
      [noncompliant],
      [compliant, loadEvent('ec2-instance-state-change.json')],
    );
  });

  test('patch compliance failures', () => {
    const pattern = {
      source: ['aws.ssm'],
      'detail-type': ['Configuration Compliance State Change'],
      detail: {
        'compliance-type': ['Patch'],
        'compliance-status': [{ 'equals-ignore-case': 'NON_COMPLIANT' }],
      },
    };
    const failing = loadEvent('ssm-configuration-compliance-patch-noncompliant.json');
    const fixed = structuredClone(failing) as { detail: Record<string, unknown> };
    fixed.detail['compliance-status'] = 'compliant';
    expectMatching(pattern, [failing], [fixed, loadEvent('ssm-command-invocation-status-change.json')]);
  });

  test('automation, command and calendar state changes', () => {
    const automationDone = {
      source: ['aws.ssm'],
      'detail-type': ['EC2 Automation Execution Status-change Notification'],
      detail: { Status: ['Success', 'Failed', 'TimedOut', 'Cancelled'] },
    };
    expectMatching(
      automationDone,
      [loadEvent('ssm-automation-execution-status-change.json')],
      [loadEvent('ssm-command-status-change.json')],
    );

    const calendar = {
      source: ['aws.ssm'],
      'detail-type': ['Calendar State Change'],
      detail: { state: ['CLOSED'] },
    };
    expectMatching(
      calendar,
      [loadEvent('ssm-calendar-state-change-closed.json')],
      [loadEvent('ssm-calendar-state-change-open.json')],
    );

    const invocationFailed = {
      source: ['aws.ssm'],
      'detail-type': [{ wildcard: 'EC2 Command * Status-change Notification' }],
      detail: { status: [{ 'anything-but': ['Success', 'Pending', 'InProgress'] }] },
    };
    expectMatching(
      invocationFailed,
      [loadEvent('ssm-command-invocation-status-change.json')],
      [loadEvent('scheduled-event-agent-health-poll.json')],
    );
  });

  test('a compiled pattern can be reused across events', () => {
    const test = compilePattern(configNonCompliant);
    expect(test(loadEvent('config-rules-compliance-change-noncompliant.json'))).toBe(true);
    expect(test(loadEvent('ssm-calendar-state-change-open.json'))).toBe(false);
  });
});

describe('validatePattern', () => {
  const invalid: [string, unknown, string][] = [
    ['not an object', ['source'], '(pattern root)'],
    ['an empty pattern', {}, '(pattern root)'],
    ['a leaf that is not an array', { source: 'aws.ec2' }, 'source'],
    ['a nested leaf that is not an array', { detail: { state: 'running' } }, 'detail.state'],
    ['an empty leaf array', { detail: { state: [] } }, 'detail.state'],
    ['an empty nested object', { detail: {} }, 'detail'],
    ['a nested array in a leaf', { a: [['x']] }, 'a[0]'],
    ['an unknown operator', { detail: { state: [{ 'starts-with': 'run' }] } }, 'detail.state[0].starts-with'],
    ['two operators in one object', { a: [{ prefix: 'a', suffix: 'b' }] }, 'a[0]'],
    ['an empty operator object', { a: [{}] }, 'a[0]'],
    ['a non-string prefix', { a: [{ prefix: 1 }] }, 'a[0].prefix'],
    ['a bad prefix option', { a: [{ prefix: { 'ignore-case': 'x' } }] }, 'a[0].prefix.ignore-case'],
    ['a non-string suffix', { a: [{ suffix: null }] }, 'a[0].suffix'],
    ['a non-string equals-ignore-case', { a: [{ 'equals-ignore-case': ['x'] }] }, 'a[0].equals-ignore-case'],
    ['numeric with a bad operator', { d: { n: [{ numeric: ['!=', 5] }] } }, 'd.n[0].numeric[0]'],
    ['numeric with a non-number', { n: [{ numeric: ['>', '5'] }] }, 'n[0].numeric[1]'],
    ['numeric that is not an array', { n: [{ numeric: 5 }] }, 'n[0].numeric'],
    ['numeric with three terms', { n: [{ numeric: ['>', 1, '<'] }] }, 'n[0].numeric'],
    ['numeric = in a range', { n: [{ numeric: ['=', 1, '<', 5] }] }, 'n[0].numeric[0]'],
    ['a numeric range upper bound first', { n: [{ numeric: ['<', 5, '>', 1] }] }, 'n[0].numeric[0]'],
    ['an empty numeric range', { n: [{ numeric: ['>', 5, '<', 5] }] }, 'n[0].numeric'],
    ['exists that is not a boolean', { a: [{ exists: 'true' }] }, 'a[0].exists'],
    ['anything-but null', { a: [{ 'anything-but': null }] }, 'a[0].anything-but'],
    ['anything-but boolean in a list', { a: [{ 'anything-but': ['x', true] }] }, 'a[0].anything-but[1]'],
    ['anything-but mixed list', { a: [{ 'anything-but': ['x', 1] }] }, 'a[0].anything-but'],
    ['anything-but empty list', { a: [{ 'anything-but': [] }] }, 'a[0].anything-but'],
    ['anything-but unknown', { a: [{ 'anything-but': { numeric: ['>', 1] } }] }, 'a[0].anything-but.numeric'],
    ['anything-but empty prefix', { a: [{ 'anything-but': { prefix: '' } }] }, 'a[0].anything-but.prefix'],
    [
      'anything-but bad wildcard',
      { a: [{ 'anything-but': { wildcard: ['ok', 'a**'] } }] },
      'a[0].anything-but.wildcard[1]',
    ],
    ['a wildcard with consecutive stars', { a: [{ wildcard: 'a**b' }] }, 'a[0].wildcard'],
    ['a wildcard with a bad escape', { a: [{ wildcard: 'a\\b' }] }, 'a[0].wildcard'],
    ['a cidr without a length', { ip: [{ cidr: '10.0.0.1' }] }, 'ip[0].cidr'],
    ['a cidr with a bad address', { ip: [{ cidr: '10.0.0.256/24' }] }, 'ip[0].cidr'],
    ['a cidr with a bad length', { ip: [{ cidr: '10.0.0.0/33' }] }, 'ip[0].cidr'],
    ['$or that is not an array', { $or: { a: ['x'] } }, '$or'],
    ['$or with one branch', { detail: { $or: [{ a: ['x'] }] } }, 'detail.$or'],
    ['$or with a non-object branch', { $or: [{ a: ['x'] }, ['y']] }, '$or[1]'],
    ['a bad leaf inside $or', { $or: [{ a: ['x'] }, { b: [{ numeric: ['>'] }] }] }, '$or[1].b[0].numeric'],
  ];

  test.each(invalid)('rejects %s, naming the path', (_what, pattern, where) => {
    let caught: unknown;
    try {
      validatePattern(pattern);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidPatternError);
    const error = caught as InvalidPatternError;
    expect(error.message).toContain(` at ${where}: `);
    if (where !== '(pattern root)') expect(error.path).toBe(where);
  });

  test('matches() rejects an invalid pattern too', () => {
    expect(() => matches({ a: [{ nope: 1 }] }, { a: 1 })).toThrow(/a\[0\]\.nope/);
  });

  test('accepts every operator in its valid forms', () => {
    const pattern = {
      source: ['aws.ec2', { prefix: 'aws.' }, { prefix: { 'equals-ignore-case': 'AWS.' } }],
      detail: {
        a: ['x', 1, true, false, null, { suffix: 'x' }, { suffix: { 'equals-ignore-case': 'X' } }],
        b: [{ 'equals-ignore-case': 'x' }, { wildcard: 'x*\\*\\\\' }, { cidr: '2001:db8::/32' }],
        c: [{ numeric: ['=', 1] }, { numeric: ['>=', 0, '<', 1] }, { exists: false }],
        d: [
          { 'anything-but': 'x' },
          { 'anything-but': 1 },
          { 'anything-but': [1, 2] },
          { 'anything-but': { prefix: ['a', 'b'] } },
          { 'anything-but': { suffix: 'z' } },
          { 'anything-but': { 'equals-ignore-case': ['a'] } },
          { 'anything-but': { wildcard: '' } },
        ],
        $or: [{ e: ['1'] }, { f: { g: [{ exists: true }] } }],
      },
    };
    expect(() => validatePattern(pattern)).not.toThrow();
  });
});
