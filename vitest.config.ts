import { defineConfig } from 'vitest/config';
import { viteRunbooksPlugin } from './scripts/runbooks-module.ts';

/**
 * Two projects. `unit`: pure code, adapters against mocks, in-process dynalite, the sandbox's simulators
 * called directly; no bundles, no packaging, no HTTP sandbox, no CLI processes: seconds
 * (`npm run test:unit`). `integration`: everything that needs the global setup (the Lambda bundles and
 * one `serverless package`), a sandbox account over HTTP, or the real CLI. `npm test` runs both.
 */
const integration = [
  'test/integration/**/*.test.ts',
  'test/rehearse/run.test.ts',
  'test/rehearse/held.test.ts',
  'test/rehearse/storm.test.ts',
  'test/rehearse/notify-storm.test.ts',
  'test/rehearse/ops.test.ts',
  'test/rehearse/approvals.test.ts',
  'test/rehearse/html*.test.ts',
  'test/template/**/*.test.ts',
  'test/patch/template.test.ts',
  'test/patch/plan-cli.test.ts',
  'test/authoring/{contract,one-file,check,new}.test.ts',
  'test/cli/**/*.test.ts',
  'test/sandbox/{server,server-extras,ssm-sdk}*.test.ts',
  'test/sandbox/aws-cli*.test.ts',
];

export default defineConfig({
  plugins: [viteRunbooksPlugin(import.meta.dirname)],
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: integration },
      },
      {
        extends: true,
        test: { name: 'integration', include: integration, globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
