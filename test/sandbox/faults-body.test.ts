/** The fault matcher on the request body (`bodyContains`): only the calls whose request says so fail. */
import { expect, test } from 'vitest';
import { FaultController } from '../../sandbox/faults.ts';

test('bodyContains fails only the PutItem that records an execution, and reads the body only when asked', () => {
  const f = new FaultController({
    rules: [{ target: 'dynamodb:PutItem', bodyContains: '"pk":{"S":"EXEC#', status: 500 }],
  });
  const body = (pk: string) => () =>
    JSON.stringify({ TableName: 't', Item: { pk: { S: pk }, sk: { S: 'X' } } });
  expect(f.decide('dynamodb', 'PutItem', body('EXEC#abc')).failure?.status).toBe(500);
  expect(f.decide('dynamodb', 'PutItem', body('CLAIM#r#sg-1')).failure).toBeUndefined();
  expect(f.decide('dynamodb', 'UpdateItem', body('EXEC#abc')).failure).toBeUndefined();
  // No body given: a body rule does not match.
  expect(f.decide('dynamodb', 'PutItem').failure).toBeUndefined();
  let reads = 0;
  const counted = () => {
    reads++;
    return '{}';
  };
  f.decide('ssm', 'StartAutomationExecution', counted);
  expect(reads).toBe(0);
});
