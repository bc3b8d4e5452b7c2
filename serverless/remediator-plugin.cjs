'use strict';
/**
 * Local Serverless plugin: builds the esbuild bundles before packaging, then adds what is derived
 * from src/runbooks/ (scripts/derive.ts) to the compiled template: the runbook IAM statements on
 * every acting role and one AWS::SSM::Document per document of ours. Adding a remediation
 * therefore needs no edit here or in serverless.yml.
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

/**
 * Roles of functions that start runbooks or send commands (the engine acts from these), with the
 * trigger families each function runs: a role gets only the statements of those remediations.
 * remediate: the Config rule and our SSM Agent Disconnected rule (serverless.yml events);
 * patchFanout: the patch failures queue; reconcile: releases deferred work of every family.
 */
const ACTING_ROLES = {
  RemediateRole: ['config.noncompliant', 'agent.disconnected'],
  PatchFanoutRole: ['patch.failed'],
  ReconcileRole: ['config.noncompliant', 'agent.disconnected', 'patch.failed'],
};

/** The one role that may read the Slack webhook SecureString (serverless.yml, notifySlack). */
const WEBHOOK_READER = 'NotifySlackRole';

class RemediatorPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.root = serverless.config.servicePath;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.build(),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.derive(),
    };
  }

  tsx(script, args = []) {
    const tsxCli = require.resolve('tsx/cli', { paths: [this.root] });
    return execFileSync(process.execPath, [tsxCli, path.join(this.root, script), ...args], {
      cwd: this.root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  }

  build() {
    this.serverless.cli.log('remediator: building function bundles (esbuild)');
    this.tsx('scripts/build.ts');
  }

  derive() {
    const derived = JSON.parse(this.tsx('scripts/derive.ts', [this.root]));
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const roles = Object.keys(ACTING_ROLES).filter((logicalId) => template.Resources[logicalId]);
    if (roles.length === 0) {
      throw new Error(
        `remediator: none of the acting roles (${Object.keys(ACTING_ROLES).join(', ')}) is in the template`,
      );
    }
    for (const logicalId of roles) {
      const role = template.Resources[logicalId];
      const statements = role.Properties.Policies[0].PolicyDocument.Statement;
      const runbook = ACTING_ROLES[logicalId].flatMap((family) => derived.statements[family] ?? []);
      statements.push(...runbook);
      if (runbook.some((st) => st.Action.includes('ssm:StartAutomationExecution'))) {
        // Executions are tagged at start (remediation, resource, event): SSM authorises that as AddTagsToResource.
        statements.push({
          Sid: 'TagAutomationExecutions',
          Effect: 'Allow',
          Action: ['ssm:AddTagsToResource'],
          Resource: [
            {
              'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-execution/*',
            },
          ],
        });
      }
      const assumeRole = this.serverless.service.provider.environment.AUTOMATION_ASSUME_ROLE_ARN;
      if (assumeRole) {
        statements.push({
          Sid: 'PassAutomationAssumeRole',
          Effect: 'Allow',
          Action: ['iam:PassRole'],
          Resource: [assumeRole],
          Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
        });
      }
    }
    this.denyWebhook(template);
    Object.assign(template.Resources, derived.documents);
    this.serverless.cli.log(
      `remediator: ${derived.remediations.length} remediation(s), ${Object.values(derived.statements).flat().length} runbook statement(s), ` +
        `${Object.keys(derived.documents).length} document(s)`,
    );
  }

  /**
   * The Slack webhook SecureString is read by notifySlack alone: every other role's parameter reads
   * (/ssm-remediator/<stage>/*, for the switches) get an explicit Deny on it.
   */
  denyWebhook(template) {
    const fn = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.SLACK_WEBHOOK_PARAM,
    );
    const name = fn?.Properties.Environment.Variables.SLACK_WEBHOOK_PARAM;
    if (!name) return;
    for (const [id, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::IAM::Role' || id === WEBHOOK_READER) continue;
      r.Properties.Policies[0].PolicyDocument.Statement.push({
        Sid: 'NotTheSlackWebhook',
        Effect: 'Deny',
        Action: ['ssm:GetParameter', 'ssm:GetParameters'],
        Resource: [
          { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` },
        ],
      });
    }
  }
}

module.exports = RemediatorPlugin;
module.exports.ACTING_ROLES = ACTING_ROLES;
