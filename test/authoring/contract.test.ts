/**
 * Contract tests over the whole registry, against the packaged CloudFormation template: what each
 * remediation declares (examples, permissions, documents) is what the deployment gets.
 * The template is the one the suite's global setup packaged (test/global-setup.ts).
 */
import entries from 'virtual:runbooks';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runExample } from '../../src/core/dry-run.ts';
import { permissionAction } from '../../src/core/permissions.ts';
import { createRegistry } from '../../src/core/registry.ts';
import type { Remediation } from '../../src/core/remediation.ts';
import {
  ACTING_ROLES,
  actions,
  projectRoot,
  resources,
  roleStatements,
  rolesFor,
  type Statement,
  type Template,
} from '../helpers/package.ts';

const registry = createRegistry(entries);
const template = JSON.parse(
  readFileSync(join(inject('packagedDir'), 'cloudformation-template-update-stack.json'), 'utf8'),
) as Template;

const actingRoles = () => ACTING_ROLES.filter((id) => template.Resources[id]);
const arnText = (r: unknown): string =>
  typeof r === 'string'
    ? r
    : r && typeof r === 'object' && 'Fn::Sub' in r
      ? String(r['Fn::Sub'])
      : JSON.stringify(r);

/** The ARN fragment a statement must name for this remediation's documents to be usable with `action`. */
function requiredResources(r: Remediation, action: string): string[] {
  if (action === 'ssm:StartAutomationExecution') {
    return r.documents
      .filter((d) => d.type === 'Automation')
      .map((d) => `:automation-definition/${d.name}:*`);
  }
  if (action === 'ssm:SendCommand') {
    return r.documents.filter((d) => d.type === 'Command').map((d) => `:document/${d.name}`);
  }
  return [];
}

test('the template has at least one acting role', () => {
  expect(actingRoles()).toContain('RemediateRole');
});

describe.each(registry.all().map((r) => [r.id, r] as const))('%s', (_id, r) => {
  test.each(r.examples.map((x) => [x.name, x] as const))('example holds: %s', (_name, ex) => {
    expect(runExample(r, ex)).toEqual([]);
  });

  test.each(r.permissions.map((p) => [permissionAction(p)] as const))(
    'every acting role that runs its trigger family is granted %s on its documents, no other role',
    (p) => {
      const runs = rolesFor(r.trigger);
      for (const role of actingRoles().filter((id) => !runs.includes(id))) {
        const sids = roleStatements(template, role).map((s) => s.Sid);
        expect(sids, `${role} does not run ${r.trigger}`).not.toContain(
          `Runbook ${r.id} ${p}`.replace(/[^A-Za-z0-9]/g, ''),
        );
      }
      for (const role of actingRoles().filter((id) => runs.includes(id))) {
        const granting = roleStatements(template, role).filter(
          (s) => s.Effect === 'Allow' && actions(s).includes(p),
        );
        expect(granting, `${role} grants ${p}`).not.toEqual([]);
        const named = granting.flatMap((s) => resources(s).map(arnText));
        for (const fragment of requiredResources(r, p)) {
          expect(
            named.some((arn) => arn.endsWith(fragment)),
            `${role}: ${p} on …${fragment}`,
          ).toBe(true);
        }
      }
    },
  );

  const ours = r.documents.filter((d) => d.file);
  if (ours.length > 0) {
    test.each(ours.map((d) => [d.name, d] as const))(
      'document %s is deployed as AWS::SSM::Document',
      (_n, d) => {
        const deployed = Object.values(template.Resources).find(
          (res) => res.Type === 'AWS::SSM::Document' && res.Properties?.Name === d.name,
        );
        expect(deployed, d.name).toBeDefined();
        expect(deployed!.Properties!.DocumentType).toBe(d.type);
        const content = parseYaml(
          readFileSync(resolve(projectRoot, 'src/runbooks', d.file!), 'utf8'),
        ) as unknown;
        expect(deployed!.Properties!.Content).toEqual(content);
      },
    );
  }
});

test('no IAM statement in any role allows a wildcard action', () => {
  const roles = Object.entries(template.Resources).filter(([, res]) => res.Type === 'AWS::IAM::Role');
  expect(roles.length).toBeGreaterThan(0);
  const wild: string[] = [];
  for (const [id] of roles) {
    for (const s of roleStatements(template, id) as Statement[]) {
      for (const a of actions(s)) if (a.includes('*')) wild.push(`${id} ${s.Sid ?? '(no Sid)'}: ${a}`);
    }
  }
  expect(wild).toEqual([]);
});
