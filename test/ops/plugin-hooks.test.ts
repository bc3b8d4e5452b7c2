/**
 * The build runs before every command that ships or runs the bundles, not only `package`: `deploy
 * function -f` and `invoke local` do not package, and would otherwise take a stale `.build/`.
 * The hook names are checked against osls's own command lifecycles, so a renamed event fails here.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const Plugin = require('../../serverless/remediator-plugin.cjs') as new (sls: unknown) => {
  hooks: Record<string, () => unknown>;
  build: () => void;
};
const commands = require('serverless/lib/cli/commands-schema/aws-service.js') as Map<
  string,
  { lifecycleEvents?: string[] }
>;

describe('the build hook', () => {
  const plugin = new Plugin({
    config: { servicePath: '/nowhere' },
    service: {},
    cli: { log: () => undefined },
  });
  let built = 0;
  plugin.build = () => void (built += 1);

  test.each([
    ['package', 'createDeploymentArtifacts', 'before:package:createDeploymentArtifacts'],
    ['deploy function', 'packageFunction', 'before:deploy:function:packageFunction'],
    ['invoke local', 'invoke', 'before:invoke:local:invoke'],
  ])('`%s` builds first (%s)', (command, event, hook) => {
    if (command !== 'package') expect(commands.get(command)?.lifecycleEvents).toContain(event);
    const before = built;
    plugin.hooks[hook]!();
    expect(built).toBe(before + 1);
  });
});
