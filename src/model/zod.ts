/**
 * zod for the schemas that ship in the Lambda bundles: `zod/mini`, zod 4's functional API, which
 * esbuild tree-shakes to the checks a bundle uses (classic `zod` keeps every method of every schema
 * type: ~80 KiB more per bundle, docs/performance.md "Cold start"), with zod's English messages
 * (mini loads no locale by itself). Import it as `import * as z from './zod.ts'`.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export * from 'zod/mini';
