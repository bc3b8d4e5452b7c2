/**
 * Checks one of our own SSM documents (src/runbooks/documents/<Name>.yaml) against its schema
 * (Automation 0.3, Command 2.2) and our rules: every parameter has an allowedPattern (valid in Java
 * and Go RE2) or allowedValues, and command documents read parameters as environment variables
 * (`interpolationType: ENV_VAR`, `$SSM_<name>`) instead of pasting `{{ }}` into a shell line.
 * Pure: content in, problems out.
 */
import { allowedPatternProblem } from './patterns.ts';
import type { Problem } from './problem.ts';
import { unanchored, unsafeStepProblems } from './unsafe.ts';

export type DocumentType = 'Automation' | 'Command';

/** What a plan's call is compared with: the document's parameters and which of them are required. */
export interface DocumentSpec {
  type: DocumentType;
  parameters: Record<string, { required?: boolean }>;
}

export const AUTOMATION_ACTIONS: readonly string[] = [
  'aws:approve',
  'aws:assertAwsResourceProperty',
  'aws:branch',
  'aws:changeInstanceState',
  'aws:copyImage',
  'aws:createImage',
  'aws:createStack',
  'aws:createTags',
  'aws:deleteImage',
  'aws:deleteStack',
  'aws:executeAutomation',
  'aws:executeAwsApi',
  'aws:executeScript',
  'aws:executeStateMachine',
  'aws:invokeWebhook',
  'aws:invokeLambdaFunction',
  'aws:loop',
  'aws:pause',
  'aws:runCommand',
  'aws:runInstances',
  'aws:sleep',
  'aws:waitForAwsResourceProperty',
];

export const COMMAND_PLUGINS: readonly string[] = [
  'aws:applications',
  'aws:cloudWatch',
  'aws:configureDocker',
  'aws:configurePackage',
  'aws:domainJoin',
  'aws:downloadContent',
  'aws:psModule',
  'aws:refreshAssociation',
  'aws:runDockerAction',
  'aws:runDocument',
  'aws:runPowerShellScript',
  'aws:runShellScript',
  'aws:softwareInventory',
  'aws:updateAgent',
  'aws:updateSsmAgent',
];

const SCHEMA: Record<
  DocumentType,
  { version: string; types: readonly string[]; step: RegExp; actions: readonly string[] }
> = {
  Automation: {
    version: '0.3',
    types: ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap'],
    step: /^[a-zA-Z0-9_]+$/,
    actions: AUTOMATION_ACTIONS,
  },
  Command: {
    version: '2.2',
    types: ['String', 'StringList'],
    step: /^[a-zA-Z0-9_.-]+$/,
    actions: COMMAND_PLUGINS,
  },
};

const SHELL_PLUGINS = ['aws:runShellScript', 'aws:runPowerShellScript'];
const PASTED = /\{\{\s*([^}\s]+)\s*\}\}/g;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a parsed document; returns its problems and, when its parameters are readable, its spec. */
export function checkDocument(
  file: string,
  type: DocumentType,
  content: unknown,
): { problems: Problem[]; spec?: DocumentSpec } {
  const problems: Problem[] = [];
  const bad = (field: string, message: string) => problems.push({ file, field, message });
  const schema = SCHEMA[type];
  if (!isRecord(content)) {
    bad('(document)', `must be a YAML mapping (a ${type} document, schema ${schema.version})`);
    return { problems };
  }

  if (content.schemaVersion !== schema.version) {
    const got = content.schemaVersion;
    bad(
      'schemaVersion',
      got === Number(schema.version)
        ? `must be the string '${schema.version}' (quote it in YAML)`
        : `must be '${schema.version}' for a ${type} document, not ${JSON.stringify(got ?? null)}`,
    );
  }

  // Parameters.
  const spec: DocumentSpec = { type, parameters: {} };
  const params = content.parameters ?? {};
  if (!isRecord(params)) {
    bad('parameters', 'must be a mapping of parameter name to definition');
  } else {
    for (const [name, def] of Object.entries(params)) {
      const field = `parameters.${name}`;
      if (!isRecord(def)) {
        bad(field, 'must be a mapping with at least `type`');
        continue;
      }
      spec.parameters[name] = { required: !('default' in def) };
      if (typeof def.type !== 'string' || !schema.types.includes(def.type)) {
        bad(
          `${field}.type`,
          `${JSON.stringify(def.type ?? null)} is not a ${type} parameter type (${schema.types.join(', ')})`,
        );
      }
      const hasValues = Array.isArray(def.allowedValues) && def.allowedValues.length > 0;
      if (def.allowedPattern === undefined && !hasValues) {
        bad(
          `${field}.allowedPattern`,
          'is missing: every parameter of our documents needs allowedPattern or allowedValues',
        );
      } else if (def.allowedPattern !== undefined) {
        const p = allowedPatternProblem(def.allowedPattern) ?? unanchored(def.allowedPattern as string);
        if (p) bad(`${field}.allowedPattern`, `${JSON.stringify(def.allowedPattern)} ${p}`);
      }
      if (def.allowedValues !== undefined && !hasValues)
        bad(`${field}.allowedValues`, 'must be a non-empty list');
      if (def.interpolationType !== undefined && def.interpolationType !== 'ENV_VAR') {
        bad(`${field}.interpolationType`, `must be ENV_VAR, not ${JSON.stringify(def.interpolationType)}`);
      }
      if (def.interpolationType !== undefined && type !== 'Command') {
        bad(`${field}.interpolationType`, 'only Command documents (schema 2.2) support interpolationType');
      }
    }
  }

  // Steps.
  const steps = content.mainSteps;
  if (!Array.isArray(steps) || steps.length === 0) {
    bad('mainSteps', 'must be a non-empty list of steps');
    return { problems, spec };
  }
  const seen = new Set<string>();
  steps.forEach((step: unknown, i) => {
    const field = `mainSteps[${i}]`;
    if (!isRecord(step)) {
      bad(field, 'must be a mapping with name, action and inputs');
      return;
    }
    if (typeof step.name !== 'string' || !schema.step.test(step.name)) {
      bad(`${field}.name`, `${JSON.stringify(step.name ?? null)} must match ${schema.step.source}`);
    } else if (seen.has(step.name)) {
      bad(
        `${field}.name`,
        `${JSON.stringify(step.name)} is used by an earlier step; step names must be unique`,
      );
    } else {
      seen.add(step.name);
    }
    if (typeof step.action !== 'string' || !schema.actions.includes(step.action)) {
      bad(
        `${field}.action`,
        `${JSON.stringify(step.action ?? null)} is not a known ${type === 'Automation' ? 'Automation action' : 'Command plugin'}`,
      );
      return;
    }
    if (type === 'Command' && SHELL_PLUGINS.includes(step.action)) {
      checkShellStep(field, step, params, bad);
    }
    unsafeStepProblems(field, step, isRecord(params) ? params : {}, bad);
  });
  return { problems, spec };
}

function checkShellStep(
  field: string,
  step: Record<string, unknown>,
  params: unknown,
  bad: (field: string, message: string) => void,
): void {
  const inputs = isRecord(step.inputs) ? step.inputs : {};
  const run = inputs.runCommand;
  const lines = typeof run === 'string' ? [run] : Array.isArray(run) ? run : [];
  const declared = isRecord(params) ? params : {};
  const env =
    step.action === 'aws:runPowerShellScript' ? (n: string) => `$env:SSM_${n}` : (n: string) => `"$SSM_${n}"`;
  lines.forEach((line: unknown, j) => {
    if (typeof line !== 'string') return;
    const where = `${field}.inputs.runCommand${typeof run === 'string' ? '' : `[${j}]`}`;
    for (const m of line.matchAll(PASTED)) {
      const name = m[1]!;
      bad(
        where,
        `pastes {{ ${name} }} into a shell line; declare parameters.${name}.interpolationType: ENV_VAR and read ${env(name)} instead`,
      );
    }
    for (const m of line.matchAll(/SSM_([A-Za-z0-9_]+)/g)) {
      const name = m[1]!;
      const def = declared[name];
      if (isRecord(def) && def.interpolationType !== 'ENV_VAR') {
        bad(
          `parameters.${name}.interpolationType`,
          `${where} reads SSM_${name}, which exists only with interpolationType: ENV_VAR`,
        );
      }
    }
  });
}
