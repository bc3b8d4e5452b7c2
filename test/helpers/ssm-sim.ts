/** Calling the simulated SSM's operations directly (no HTTP), for its fine-grained state tests. */
import { AwsError } from '../../sandbox/errors.ts';
import type { CallContext, ServiceDef } from '../../sandbox/types.ts';

export type Out = Record<string, unknown>;

export const SIM_CONTEXT: CallContext = {
  service: 'ssm',
  operation: '',
  account: '123456789012',
  region: 'us-east-1',
};

/** `call(op, input)` runs an operation; `callError` expects it to fail with an AwsError and returns it. */
export function operationCaller(def: () => ServiceDef) {
  async function call(op: string, input: Record<string, unknown>): Promise<Out> {
    const fn = def().operations[op];
    if (!fn) throw new Error(`no operation ${op}`);
    return (await fn(input, { ...SIM_CONTEXT, operation: op })) as Out;
  }
  async function callError(op: string, input: Record<string, unknown>): Promise<AwsError> {
    try {
      await call(op, input);
    } catch (e) {
      if (e instanceof AwsError) return e;
      throw e;
    }
    throw new Error(`${op} did not fail`);
  }
  return { call, callError };
}
