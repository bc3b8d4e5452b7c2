/** Placeholder until the fleet case lands. */
export async function fleetSweep(_o: {
  instances: number;
  projectRoot: string;
}): Promise<{ lines: string[]; misses: string[] }> {
  return { lines: [], misses: [] };
}
