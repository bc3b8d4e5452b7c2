import { defineConfig } from 'vitest/config';
import { viteRunbooksPlugin } from './scripts/runbooks-module.ts';

export default defineConfig({
  plugins: [viteRunbooksPlugin(import.meta.dirname)],
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
