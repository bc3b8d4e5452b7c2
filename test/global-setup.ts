// Runs once before the whole suite. Integration tests need the Lambda bundles built from the
// current source, so build them here (fast: esbuild) rather than trusting a stale .build/.
export default async function setup(): Promise<void> {
  const { buildAll } = await import('../scripts/build.ts');
  await buildAll({ quiet: true });
}
