'use strict';
/**
 * Local Serverless plugin: builds the esbuild bundles before packaging, then adds what is derived
 * from src/runbooks/ (scripts/derive.ts) to the compiled template: the runbook IAM statements on
 * every acting role and one AWS::SSM::Document per document of ours. Adding a remediation
 * therefore needs no edit here or in serverless.yml.
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { busPolicy, operatorPrincipals, assumeRoleParam } = require('./bus-policy.cjs');
const lp = require('./least-privilege.cjs');
const iam = require('./iam.cjs');

/** Each function's role is built from serverless/iam.cjs (its adapters, its config, its remediations). */
const { ACTING_ROLES, FUNCTIONS, functionStatements, lambdaRole } = iam;

/** The roles that may read the Slack webhook SecureString: those whose function wires its adapter. */
const WEBHOOK_READERS = Object.values(FUNCTIONS)
  .filter((f) => f.adapters.includes('slack-webhook-param'))
  .map((f) => f.role);

class RemediatorPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.root = serverless.config.servicePath;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.build(),
      // h2-ops: `deploy function -f` and `invoke local` do not package: build so they never take a stale .build/.
      'before:deploy:function:packageFunction': () => this.build(),
      'before:invoke:local:invoke': () => this.build(),
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
    const settings = {
      stage: this.serverless.service.provider.stage,
      values: this.serverless.service.custom?.settings ?? {},
    };
    const derived = JSON.parse(this.tsx('scripts/derive.ts', [this.root, JSON.stringify(settings)]));
    this.failClosedCalendars(derived);
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    this.functionRoles(template);
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
    }
    this.denyWebhook(template);
    Object.assign(template.Resources, derived.documents);
    this.trustBoundaries(template);
    this.leastPrivilege(template, derived, roles);
    this.serverless.cli.log(
      `remediator: ${derived.remediations.length} remediation(s), ${Object.values(derived.statements).flat().length} runbook statement(s), ` +
        `${Object.keys(derived.documents).length} document(s)`,
    );
  }

  /**
   * One role per function, from serverless/iam.cjs: a role written by hand in serverless.yml is refused,
   * so a function's permissions have one home.
   */
  functionRoles(template) {
    const service = this.serverless.service;
    const fns = service.functions ?? {};
    const webhookParam =
      Object.values(fns)
        .map((f) => f.environment?.SLACK_WEBHOOK_PARAM)
        .find((v) => typeof v === 'string') ?? '';
    const signingSecretParam = fns.approvalCallback?.environment?.SLACK_SIGNING_SECRET_PARAM ?? '';
    const botTokenParam = fns.approvalCallback?.environment?.SLACK_BOT_TOKEN_PARAM ?? '';
    const ctx = { stage: service.provider.stage, webhookParam, signingSecretParam, botTokenParam };
    for (const [name, fn] of Object.entries(fns)) {
      const decl = FUNCTIONS[name];
      if (!decl)
        throw new Error(`remediator: function ${name} has no IAM entry in serverless/iam.cjs FUNCTIONS`);
      if (fn.role !== decl.role)
        throw new Error(`remediator: function ${name} must use role: ${decl.role} (serverless/iam.cjs)`);
      if (template.Resources[decl.role])
        throw new Error(
          `remediator: ${decl.role} is written by hand in serverless.yml: declare its permissions in serverless/iam.cjs`,
        );
      template.Resources[decl.role] = lambdaRole(name, functionStatements(name, fn, ctx));
    }
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
      if (r.Type !== 'AWS::IAM::Role' || WEBHOOK_READERS.includes(id)) continue;
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

/** h4-iam: the service bus's resource policy (serverless/bus-policy.cjs). */
RemediatorPlugin.prototype.trustBoundaries = function trustBoundaries(template) {
  const custom = this.serverless.service.custom?.remediator ?? {};
  const bus = template.Resources.RemediatorBus;
  if (!bus) throw new Error('remediator: RemediatorBus is not in the template');
  bus.Properties.Policy = busPolicy({
    // By name: the bus's own policy cannot reference the bus (a circular dependency).
    busArn: {
      'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${bus.Properties.Name}`,
    },
    sweepRoleArn: { 'Fn::GetAtt': ['AgentSweepRole', 'Arn'] },
    completeRoleArn: { 'Fn::GetAtt': ['CompleteRole', 'Arn'] },
    remediateRoleArn: { 'Fn::GetAtt': ['RemediateRole', 'Arn'] },
    approvalRoleArn: { 'Fn::GetAtt': ['ApprovalCallbackRole', 'Arn'] },
    operators: operatorPrincipals(custom.operatorPrincipals),
  });
};

/**
 * h4-iam: fail closed by default. Any remediation can be set to auto in Parameter Store at run time,
 * so every one needs a change calendar: its own, or the stage's defaultCalendars, or `calendars: []`
 * with a calendarExemption (checked by scripts/derive.ts).
 */
RemediatorPlugin.prototype.failClosedCalendars = function failClosedCalendars(derived) {
  const defaults = String(this.serverless.service.provider.environment.DEFAULT_CALENDARS ?? '').trim();
  if (defaults !== '' || derived.uncalendared.length === 0) return;
  throw new Error(
    `remediator: stage ${this.serverless.service.provider.stage} has no defaultCalendars, and these remediations ` +
      `name no change calendar of their own, so they could run in auto with no change window: ` +
      `${derived.uncalendared.join(', ')}. Set --param defaultCalendars=<calendar name or ARN>, or give each ` +
      `its own calendars (calendars: [] with a calendarExemption to run with none).`,
  );
};

/**
 * h4-iam: Automation assume roles (shipped, or the stage's own, validated), iam:PassRole only on them
 * and only to SSM, ledger writes under dynamodb:LeadingKeys, kms:Decrypt for the webhook's key
 * (serverless/least-privilege.cjs).
 */
RemediatorPlugin.prototype.leastPrivilege = function leastPrivilege(template, derived, actingRoles) {
  const custom = this.serverless.service.custom?.remediator ?? {};
  const env = this.serverless.service.provider.environment;
  const stageRole = assumeRoleParam(custom.automationAssumeRole ?? env.AUTOMATION_ASSUME_ROLE_ARN);
  const functionsOf = (roleId) =>
    Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(r.Properties.Role) === JSON.stringify({ 'Fn::GetAtt': [roleId, 'Arn'] }),
    );
  const policyOf = (roleId) => template.Resources[roleId].Properties.Policies[0].PolicyDocument.Statement;

  if (!stageRole)
    Object.assign(
      template.Resources,
      lp.automationRoleResources(derived, this.serverless.service.provider.stage),
    );
  for (const roleId of actingRoles) {
    const ids = ACTING_ROLES[roleId].flatMap((f) => derived.families[f] ?? []);
    const shipped = ids.filter((id) => derived.automationRoles[id]);
    if (stageRole) {
      if (shipped.length > 0) policyOf(roleId).push(lp.passRoleStatement([stageRole]));
      continue;
    }
    if (shipped.length === 0) continue;
    policyOf(roleId).push(
      lp.passRoleStatement(
        shipped.map((id) => ({ 'Fn::GetAtt': [derived.automationRoles[id].logicalId, 'Arn'] })),
      ),
    );
    // The engine passes each remediation its own role (src/config.ts AUTOMATION_ASSUME_ROLES).
    const map = shipped.map((id) => `"${id}":"\${${derived.automationRoles[id].logicalId}.Arn}"`).join(',');
    for (const fn of functionsOf(roleId)) {
      fn.Properties.Environment = fn.Properties.Environment ?? { Variables: {} };
      fn.Properties.Environment.Variables.AUTOMATION_ASSUME_ROLES = { 'Fn::Sub': `{${map}}` };
    }
  }

  // Ledger writes only under dynamodb:LeadingKeys: a function's `ledgerKeys` ('all', or patterns), else
  // those of the remediations of the families it acts for; a role with ledger writes and neither is refused.
  for (const [name, f] of Object.entries(FUNCTIONS).filter(([, x]) => template.Resources[x.role])) {
    const every =
      f.ledgerKeys === 'all' || (f.acts && Object.keys(derived.families).every((x) => f.acts.includes(x)));
    const patterns = every
      ? derived.ledgerKeys.all
      : Array.isArray(f.ledgerKeys)
        ? f.ledgerKeys
        : (f.acts ?? []).flatMap((x) => derived.ledgerKeys[x] ?? []);
    const writes = policyOf(f.role).some(
      (st) => st.Sid === 'Ledger' && [].concat(st.Action).some((a) => lp.LEDGER_WRITES.includes(a)),
    );
    if (writes && patterns.length === 0)
      throw new Error(
        `remediator: ${name} writes the ledger: give it ledgerKeys or acts in serverless/iam.cjs`,
      );
    lp.splitLedgerWrites(policyOf(f.role), patterns);
  }

  const kmsKey = lp.kmsKeyParam(custom.webhookKmsKeyArn);
  if (kmsKey) {
    for (const [roleId, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::IAM::Role' || roleId.startsWith('AutomationRole')) continue;
      const st = r.Properties.Policies?.[0]?.PolicyDocument?.Statement ?? [];
      const readsParameters = st.some(
        (s) => s.Effect === 'Allow' && [].concat(s.Action).some((a) => a.startsWith('ssm:GetParameter')),
      );
      if (readsParameters) st.push(lp.kmsDecryptStatement(kmsKey));
    }
  }
};

module.exports = RemediatorPlugin;
module.exports.ACTING_ROLES = ACTING_ROLES;
