/**
 * The build's SDK trimming (scripts/sdk-slim.ts), on the installed clients' own schema files: every
 * modeled error class goes but the client's base exception and its throttling errors, nothing else
 * is touched, and a file of a shape it does not know fails the build instead of shipping half-done.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { withoutModeledErrors } from '../../scripts/sdk-slim.ts';

const require = createRequire(import.meta.url);
const schemas = (client: string): string =>
  readFileSync(
    join(dirname(require.resolve(`@aws-sdk/${client}/package.json`)), 'dist-es/schemas/schemas_0.js'),
    'utf8',
  );
const registered = (source: string): string[] =>
  [...source.matchAll(/^\w+_registry\.registerError\((\w+)\$, \1\);$/gm)].map((m) => m[1]!);
const declared = (source: string): string[] =>
  [...source.matchAll(/^export var (\w+)\$ = /gm)].map((m) => m[1]!);

test.each(['client-ssm', 'client-dynamodb', 'client-sns', 'client-sqs', 'client-config-service'])(
  '%s: only the base exception and throttling errors stay registered; every other schema is kept',
  (client) => {
    const source = schemas(client);
    const slim = withoutModeledErrors(source);
    const kept = registered(slim);
    expect(kept.some((n) => n.endsWith('ServiceException'))).toBe(true);
    for (const n of kept) expect(n.endsWith('ServiceException') || /Throttl/.test(n), n).toBe(true);
    // A class kept is still imported; the file imports nothing else from the error classes.
    const imports = /^import \{([^}]*)\} from "\.\.\/models\/errors";$/m.exec(slim)?.[1] ?? '';
    const classes = imports
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    expect(classes.sort()).toEqual(kept.filter((n) => !n.endsWith('ServiceException')).sort());
    // What went is exactly the errors' declarations: every other schema (operations, structures) stays.
    const gone = new Set(registered(source).filter((n) => !kept.includes(n)));
    expect(gone.size).toBeGreaterThan(0);
    expect(declared(slim)).toEqual(declared(source).filter((n) => !gone.has(n)));
  },
);

test('SNS keeps ThrottledException: its wire code `Throttled` is not one the SDK knows as throttling', () => {
  expect(registered(withoutModeledErrors(schemas('client-sns')))).toContain('ThrottledException');
});

test('a schema file of another shape fails the build, naming the error left behind', () => {
  const odd = [
    'import { Gone } from "../models/errors";',
    'export var Gone$ = [-3, n0, _G, 0, [], []];',
    'n0_registry.registerError(Gone$, Gone);',
    'const other = [Gone$];',
    '',
  ].join('\n');
  expect(() => withoutModeledErrors(odd)).toThrow(/Gone is still referenced/);
});
