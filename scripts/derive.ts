/**
 * Derives, from the remediation files in src/runbooks/, what the deployment needs: the IAM
 * statements each acting function gets and the AWS::SSM::Document resources for our own documents.
 * Printed as JSON for the Serverless plugin; also imported by tests and `remediator check`.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { permissionAction, UNSCOPED_ACTIONS } from '../src/core/permissions.ts';
import type { Remediation } from '../src/core/remediation.ts';
import { TRIGGER_FAMILIES, type TriggerFamily } from '../src/core/types.ts';
import { runbookFiles } from './runbooks-module.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: unknown[];
}

export interface Derived {
  /** The runbook statements by trigger family: a role gets those of the families its function runs. */
  statements: Record<TriggerFamily, Statement[]>;
  documents: Record<string, { Type: 'AWS::SSM::Document'; Properties: Record<string, unknown> }>;
  remediations: string[];
}

export async function loadRemediations(
  projectRoot = root,
): Promise<Array<{ file: string; remediation: Remediation }>> {
  const out = [];
  for (const file of runbookFiles(projectRoot)) {
    const mod = (await import(pathToFileURL(file).href)) as { default: Remediation };
    out.push({ file, remediation: mod.default });
  }
  return out;
}

const sub = (s: string) => ({ 'Fn::Sub': s });
const isOurs = (name: string, r: Remediation) => r.documents.some((d) => d.name === name && d.file);
const sid = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
export const documentLogicalId = (name: string) => `Doc${sid(name)}`;

function resourcesFor(r: Remediation, action: string): unknown[] {
  const automation = r.documents.filter((d) => d.type === 'Automation');
  const command = r.documents.filter((d) => d.type === 'Command');
  switch (action) {
    case 'ssm:StartAutomationExecution':
      return automation.map((d) =>
        sub(
          `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:automation-definition/${d.name}:*`,
        ),
      );
    case 'ssm:SendCommand':
      return [
        ...command.map((d) =>
          isOurs(d.name, r)
            ? sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:document/${d.name}`)
            : sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}::document/${d.name}`),
        ),
        sub('arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*'),
        sub('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:managed-instance/*'),
      ];
    default:
      if (UNSCOPED_ACTIONS.includes(action)) return ['*'];
      // `remediator check` refuses a scoped action declared without resources; refuse here too.
      throw new Error(`${r.id}: permission ${action} must name its resources (src/core/permissions.ts)`);
  }
}

export function derive(
  remediations: Array<{ file: string; remediation: Remediation }>,
  projectRoot = root,
): Derived {
  const statements = Object.fromEntries(
    TRIGGER_FAMILIES.map((f) => [f, [] as Statement[]]),
  ) as Derived['statements'];
  const documents: Derived['documents'] = {};
  for (const { remediation: r } of remediations) {
    for (const p of r.permissions) {
      const action = permissionAction(p);
      statements[r.trigger].push({
        Sid: sid(`Runbook ${r.id} ${action}`).slice(0, 100),
        Effect: 'Allow',
        Action: [action],
        // Declared resources as written (ARNs through Fn::Sub); otherwise derived from the documents.
        Resource:
          typeof p === 'string' ? resourcesFor(r, action) : p.resources.map((a) => (a === '*' ? a : sub(a))),
      });
    }
    for (const d of r.documents) {
      if (!d.file) continue;
      const content = parseYaml(
        readFileSync(resolve(projectRoot, 'src/runbooks', d.file), 'utf8'),
      ) as unknown;
      if (basename(d.file).replace(/\.ya?ml$/, '') !== d.name) {
        throw new Error(`${r.id}: document ${d.name} must live in documents/${d.name}.yaml, not ${d.file}`);
      }
      documents[documentLogicalId(d.name)] = {
        Type: 'AWS::SSM::Document',
        Properties: {
          Name: d.name,
          DocumentType: d.type,
          DocumentFormat: 'YAML',
          Content: content,
          UpdateMethod: 'NewVersion',
        },
      };
    }
  }
  return { statements, documents, remediations: remediations.map((x) => x.remediation.id) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const projectRoot = process.argv[2] ? resolve(process.argv[2]) : root;
  process.stdout.write(JSON.stringify(derive(await loadRemediations(projectRoot), projectRoot)));
}
