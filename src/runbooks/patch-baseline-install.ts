/**
 * A patch run failed (Run Command `AWS-RunPatchBaseline` ended Failed/TimedOut) or Patch Manager
 * reports the node non-compliant: install the baseline's patches again through Run Command.
 *
 * The patch fan-out (src/core/fanout.ts) merges the single-instance commands this plan returns into
 * SendCommand calls of up to 50 instances sharing document, parameters and rate control.
 */
import { ValidationError } from '../model/errors.ts';
import { requireId } from '../model/ids.ts';
import { defineRemediation } from '../core/remediation.ts';
import type { Finding, SendCommandAction, SkipAction } from '../model/types.ts';
import { pingOf } from '../core/instance-facts.ts';
import { patchCommandFailedEvent, patchNonCompliantEvent } from './_instance-examples.ts';

const DOCUMENT = 'AWS-RunPatchBaseline';
/** AWS-RunPatchBaseline's allowed values for RebootOption (AWS-FACTS §6). */
const REBOOT_OPTIONS = ['NoReboot', 'RebootIfNeeded'];
const RATE = { maxConcurrency: '10%', maxErrors: '50%', timeoutSeconds: 600 };

const isPatchFailure = (f: Finding<'patch.failed'>): boolean =>
  f.detail.source === 'command-invocation'
    ? f.rule === DOCUMENT && (f.detail.status === 'Failed' || f.detail.status === 'TimedOut')
    : f.detail.source === 'compliance' && f.rule === 'Patch';

const install = (instanceId: string, rebootOption: string): SendCommandAction => ({
  kind: 'sendCommand',
  document: DOCUMENT,
  parameters: { Operation: ['Install'], RebootOption: [rebootOption] },
  instanceIds: [instanceId],
  ...RATE,
});

const A = 'i-0fedcba9876543210';

export default defineRemediation({
  id: 'patch-baseline-install',
  title: 'Re-run patch installation (AWS-RunPatchBaseline Install)',
  description:
    'A patch run failed or the node is non-compliant with its patch baseline: run AWS-RunPatchBaseline ' +
    'with Operation Install on the instance, if its SSM Agent is Online. Offline agents are skipped and left ' +
    'to the agent-health path. RebootOption defaults to NoReboot: this runs outside any maintenance window, ' +
    'so a reboot is left to the window (set the RebootOption setting to RebootIfNeeded to allow it).',
  trigger: 'patch.failed',
  applies: isPatchFailure,
  // Installing patches changes the node: new remediations start in shadow.
  defaultMode: 'shadow',
  documents: [{ name: DOCUMENT, type: 'Command' }],
  permissions: ['ssm:SendCommand'],
  settings: { RebootOption: 'NoReboot' },
  // The plan reads the agent's status: Run Command cannot reach an offline agent.
  needs: ['instance'],
  plan(f, facts, ctx) {
    const field = f.detail.source === 'compliance' ? 'detail.resource-id' : 'detail.instance-id';
    const id = requireId('managedInstanceId', f.resourceId, field);
    const reboot = ctx.settings.RebootOption ?? 'NoReboot';
    if (!REBOOT_OPTIONS.includes(reboot)) {
      throw new ValidationError(
        'settings.RebootOption',
        `${JSON.stringify(reboot)} is not one of ${REBOOT_OPTIONS.join(', ')}`,
      );
    }
    const ping = pingOf(facts.instances, id);
    if (ping !== 'Online') {
      return [
        {
          kind: 'skip',
          code: 'agent-offline',
          reason: `SSM Agent on ${id} is ${ping}: Run Command cannot reach it, so it is left to the agent-health path`,
        },
      ];
    }
    return [install(id, reboot)];
  },
  examples: [
    {
      name: 'AWS-RunPatchBaseline Failed → Install again (NoReboot)',
      event: patchCommandFailedEvent(A),
      expect: { outcome: 'started', actions: [install(A, 'NoReboot')] },
    },
    {
      name: 'AWS-RunPatchBaseline TimedOut → Install again',
      event: patchCommandFailedEvent(A, 'TimedOut'),
      expect: { outcome: 'started', actions: [install(A, 'NoReboot')] },
    },
    {
      name: 'Patch compliance non_compliant → Install',
      event: patchNonCompliantEvent(A),
      expect: { outcome: 'started', actions: [install(A, 'NoReboot')] },
    },
    {
      name: 'agent ConnectionLost → skipped (agent-offline), no command',
      event: patchCommandFailedEvent(A),
      facts: { pingStatus: 'ConnectionLost' },
      expect: { outcome: 'skipped', actions: [expectSkip()] },
    },
    {
      name: 'a run of another document does not apply',
      event: patchCommandFailedEvent(A, 'Failed', undefined, undefined, 'AWS-RunShellScript'),
      expect: { applies: false },
    },
    {
      name: 'a successful patch run does not apply',
      event: patchCommandFailedEvent(A, 'Success'),
      expect: { applies: false },
    },
    {
      name: 'Association compliance does not apply',
      event: patchNonCompliantEvent(A, 'Association'),
      expect: { applies: false },
    },
    {
      name: 'calendar closed → deferred',
      event: patchNonCompliantEvent(A),
      facts: { calendar: 'CLOSED', nextTransitionTime: '2025-03-08T22:00:00Z' },
      expect: { outcome: 'deferred', actions: [] },
    },
  ],
});

function expectSkip(): SkipAction {
  return {
    kind: 'skip',
    code: 'agent-offline',
    reason: `SSM Agent on ${A} is ConnectionLost: Run Command cannot reach it, so it is left to the agent-health path`,
  };
}
