/**
 * Two esbuild plugins that keep what a Lambda bundle of the AWS SDK loads at start down to what the
 * functions use (issue 13). Neither changes what a call sends or what an error says.
 *
 * 1. **Modeled error classes.** Each client's `schemas/schemas_0.js` registers every error class of the
 *    service at load (`n0_registry.registerError(X$, X)`: 140 for SSM, 57 for Config, 35 for
 *    DynamoDB), so none can be tree-shaken: about 80 KiB of a bundle that carries SSM, Config,
 *    DynamoDB, SNS and SQS. Without a class the SDK still throws the service's error: its protocol
 *    (`getErrorSchemaOrThrowBaseException` in @aws-sdk/core) builds the client's own
 *    `<Service>ServiceException` (whose registration is kept) with `name` set to the error code,
 *    `$fault` from the HTTP status, `$metadata`, `message`, and every field of the error body copied
 *    onto it (e.g. DynamoDB's `CancellationReasons`). The service reads errors only by `name` and the
 *    SDK's classifiers (src/model/errors.ts: `isThrottlingError`, `isTransientError`,
 *    `isServerError`, by name and status). What a class adds and the bundles go without: the
 *    `$retryable` trait, set in these clients only on DynamoDB's `ReplicatedWriteConflictException`
 *    (global tables, which the ledger is not), and `instanceof` the modeled class, which no source file
 *    uses (test/template/bundle-contents.test.ts checks both, and the sandbox's tests run these bundles).
 *    For the JSON-protocol clients the name is the wire code, as before; SNS (query protocol) names an
 *    unmodeled error by its wire code (`NotFound`, not `NotFoundException`), which only its log lines show.
 * 2. **package.json.** Each client imports its whole package.json for one field, `version` (the
 *    user agent): about 2 KiB each, reduced to `{ "version": ... }`.
 */
import type { Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';

/** A schema file of a bundled AWS SDK client (dist-es, the ESM build esbuild picks). */
const SCHEMAS = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
/**
 * Classes kept: the client's base exception (what an unmodeled error is built from) and throttling
 * errors, whose class maps a query-protocol wire code the SDK's throttling check does not know to one
 * it does (SNS: `Throttled` → `ThrottledException`, `KMSThrottling` → `KMSThrottlingException`).
 */
const KEEP = (name: string): boolean => name.endsWith('ServiceException') || /Throttl/.test(name);
const PACKAGE_JSON = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/;

/**
 * A schema file without the modeled error classes: their import, their registrations and their error
 * schemas go (esbuild cannot drop an unused schema itself: its computed keys might have side effects).
 * The `<Service>ServiceException` registration stays: it is what an unmodeled error is built from.
 */
export function withoutModeledErrors(source: string): string {
  const dropped = new Set<string>();
  let imported: string[] = [];
  const out = source
    // The classes kept stay imported (the base exception has a file of its own).
    .replace(/^import \{([^}]*)\} from "\.\.\/models\/errors";\n/m, (_line: string, names: string) => {
      imported = names
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n && KEEP(n));
      return imported.length ? `import { ${imported.join(', ')} } from "../models/errors";\n` : '';
    })
    .replace(/^\w+_registry\.registerError\((\w+)\$, \1\);\n/gm, (line: string, name: string) => {
      if (KEEP(name)) return line;
      dropped.add(name);
      return '';
    });
  const slim = out.replace(
    // One declaration: on one line, or up to its own closing line (never into the next statement).
    /^export var (\w+)\$ = \[-3, (?:[^\n]*\];|(?:(?!\n(?:export|const|\w+_registry) )[\s\S])*?\n\];)\n/gm,
    (block: string, name: string) => (dropped.has(name) ? '' : block),
  );
  for (const [, name] of slim.matchAll(/^\w+_registry\.registerError\(\w+\$, (\w+)\);$/gm))
    if (!name!.endsWith('ServiceException') && !imported.includes(name!))
      throw new Error(`sdk-slim: ${name} is registered but not imported (the SDK changed shape)`);
  for (const name of dropped)
    // Its schema, or its class outside a string (its name as a string constant stays: `_ADE = "…"`).
    if (slim.includes(`${name}$`) || new RegExp(`(?<![\\w"'\`])${name}(?![\\w"'\`$])`).test(slim))
      throw new Error(`sdk-slim: ${name} is still referenced after its removal (the SDK changed shape)`);
  return slim;
}

export function sdkSlimPlugin(): Plugin {
  return {
    name: 'sdk-slim',
    setup(b) {
      b.onLoad({ filter: SCHEMAS }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        return { contents: withoutModeledErrors(source), loader: 'js' };
      });
      b.onLoad({ filter: PACKAGE_JSON }, async (args) => {
        const { version } = JSON.parse(await readFile(args.path, 'utf8')) as { version: string };
        return { contents: JSON.stringify({ version }), loader: 'json' };
      });
    },
  };
}
