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
import { TRIGGER_FAMILIES, type TriggerFamily } from '../src/model/types.ts';
import { leadingKeyPatterns } from '../src/core/ledger-keys.ts';
import { settingProblems } from '../src/settings.ts';
import { AWS_DOCUMENTS } from '../src/runbooks/_aws-documents.ts';
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
  /** Remediation ids by trigger family (ledger key conditions are per family). */
  families: Record<TriggerFamily, string[]>;
  /**
   * The Automation assume role the service ships for each remediation that starts Automation runbooks:
   * the statements its runbooks' steps need (AWS_DOCUMENTS[...].assumeRole), nothing else.
   */
  automationRoles: Record<string, { logicalId: string; statements: Statement[] }>;
  /**
   * Remediations that name no calendar of their own: they rely on the stage's defaultCalendars, so a
   * stage without any cannot be packaged (every remediation can be put in auto from Parameter Store).
   */
  uncalendared: string[];
  /** dynamodb:LeadingKeys patterns by trigger family, and for every family at once (src/core/ledger-keys.ts). */
  ledgerKeys: Record<TriggerFamily | 'all', string[]>;
}

/** The CloudFormation logical id of a remediation's Automation assume role. */
export const automationRoleLogicalId = (remediationId: string) =>
  `AutomationRole${remediationId
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}`;

function automationRoleStatements(r: Remediation): Statement[] {
  const out: Statement[] = [];
  for (const d of r.documents.filter((x) => x.type === 'Automation')) {
    const steps = d.assumeRole ?? AWS_DOCUMENTS[d.name]?.assumeRole;
    if (!steps) {
      throw new Error(
        `${r.id}: Automation document ${d.name} has no step permissions (assumeRole on the remediation's document, or in src/runbooks/_aws-documents.ts for an AWS runbook): the service cannot ship a role for it`,
      );
    }
    for (const p of steps) {
      if (p.resources.includes('*') && !UNSCOPED_ACTIONS.includes(p.action))
        throw new Error(`${d.name}: ${p.action} supports resource types; name its ARNs, not *`);
      out.push({
        Sid: sid(`${d.name} ${p.action}`).slice(0, 100),
        Effect: 'Allow',
        Action: [p.action],
        Resource: p.resources.map((a) => (a === '*' ? a : sub(a))),
      });
    }
  }
  return out;
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
  const families = Object.fromEntries(
    TRIGGER_FAMILIES.map((f) => [f, [] as string[]]),
  ) as Derived['families'];
  const automationRoles: Derived['automationRoles'] = {};
  const uncalendared: string[] = [];
  for (const { remediation: r } of remediations) {
    families[r.trigger].push(r.id);
    if (r.calendars === undefined) uncalendared.push(r.id);
    else if (r.calendars.length === 0 && !r.calendarExemption?.trim())
      throw new Error(`${r.id}: calendars: [] (no change calendar) needs a calendarExemption saying why`);
    if (r.documents.some((d) => d.type === 'Automation'))
      automationRoles[r.id] = {
        logicalId: automationRoleLogicalId(r.id),
        statements: automationRoleStatements(r),
      };
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
  return {
    statements,
    documents,
    remediations: remediations.map((x) => x.remediation.id),
    families,
    automationRoles,
    uncalendared,
    ledgerKeys: {
      ...(Object.fromEntries(TRIGGER_FAMILIES.map((f) => [f, leadingKeyPatterns(families[f])])) as Record<
        TriggerFamily,
        string[]
      >),
      all: leadingKeyPatterns('all'),
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const projectRoot = process.argv[2] ? resolve(process.argv[2]) : root;
  // The stage's resolved settings (serverless.yml custom.settings), checked against src/settings.ts.
  if (process.argv[3]) {
    const { stage, values } = JSON.parse(process.argv[3]) as {
      stage: string;
      values: Record<string, unknown>;
    };
    const problems = settingProblems(values, stage);
    if (problems.length > 0) {
      process.stderr.write(
        `remediator: stage ${stage} settings (src/settings.ts):\n  ${problems.join('\n  ')}\n`,
      );
      process.exit(1);
    }
  }
  process.stdout.write(JSON.stringify(derive(await loadRemediations(projectRoot), projectRoot)));
}
