/**
 * The storm benchmark's fleet case: an hour of agent-health sweeps (every five minutes) over a fleet of
 * `instances` managed instances, some of whose agents drop off and some come back. Prints calls per
 * sweep, the longest sweep in simulated time against the function's timeout, the walk over the Online
 * agents (sweeps to cover the fleet), and whether every disconnected agent was announced.
 */
import type { InvocationRecord } from '../../sandbox/lambda.ts';
import { runScenario } from '../../sandbox/scenario/run.ts';
import { validateScenario } from '../../sandbox/scenario/schema.ts';

export interface FleetCase {
  instances: number;
  projectRoot: string;
  /** Agents that drop off at t+2m (default 200; 100 of them come back at t+30m). */
  disconnect?: number;
}

/** "Well inside the timeout": the longest sweep takes at most this share of it. */
const TIMEOUT_SHARE = 0.5;

export async function fleetSweep(c: FleetCase): Promise<{ lines: string[]; misses: string[] }> {
  const disconnect = c.disconnect ?? 200;
  const scenario = validateScenario(
    {
      name: `fleet ${c.instances}`,
      seed: 5,
      clock: { duration: '1h', drain: '2h' },
      fleet: { count: c.instances, tags: { Environment: 'prod' } },
      agents: [{ at: '2m', disconnect, reconnect: disconnect / 2, reconnectAt: '30m' }],
      report: { slackSamples: 0 },
    },
    'fleet',
  );
  let sweeps: InvocationRecord[] = [];
  let timeoutSeconds = 0;
  const report = await runScenario({
    scenario,
    projectRoot: c.projectRoot,
    progressEveryMs: 15_000,
    progress: (s) => console.error(s),
    inspect: (account) => {
      const fn = account.lambda.functions().find((f) => f.shortName === 'agentSweep');
      if (!fn) return;
      timeoutSeconds = fn.timeoutSeconds;
      sweeps = account.lambda.invocations(fn.name);
    },
  });
  const describe = report.apiCalls['ssm']?.byOperation['DescribeInstanceInformation'] ?? 0;
  const simSeconds = sweeps.map((x) => ((x.endedAt?.getTime() ?? 0) - x.startedAt.getTime()) / 1000);
  const longest = Math.max(0, ...simSeconds);
  const pages = sweeps.map((x) => (x.payload as { walk?: { pages: number; done: boolean } } | null)?.walk);
  const walks = pages.filter((p) => p?.done).length;
  const failed = sweeps.filter((x) => x.ok === false).length;
  const isolate = Math.max(0, ...sweeps.map((x) => (x.memory ? x.memory.heapTotal + x.memory.external : 0)));
  const announced = report.events.byDetailType['SSM Agent Disconnected'] ?? 0;
  const lines = [
    `== fleet: ${c.instances.toLocaleString('en-US')} instances, ${disconnect} agents drop off at t+2m (${disconnect / 2} come back at t+30m)`,
    `${sweeps.length} sweeps (${failed} failed); DescribeInstanceInformation ${describe} in all, ${(describe / Math.max(1, sweeps.length)).toFixed(1)} per sweep (the whole fleet in one sweep would be ${Math.ceil(c.instances / 50)} pages)`,
    `longest sweep ${longest.toFixed(1)} sim s of a ${timeoutSeconds} s timeout; median wall ${median(sweeps.map((x) => x.durationMs ?? 0)).toFixed(0)} ms; peak isolate ${(isolate / 1024 / 1024).toFixed(1)} MiB`,
    `walks over the fleet completed: ${walks} (a walk takes ${Math.ceil(c.instances / 50 / Math.max(1, pages[0]?.pages ?? 1))} sweeps); SSM Agent Disconnected announced: ${announced} of ${disconnect}`,
  ];
  const misses: string[] = [];
  if (failed > 0) misses.push(`fleet: ${failed} sweeps failed`);
  if (longest > timeoutSeconds * TIMEOUT_SHARE)
    misses.push(`fleet: a sweep took ${longest.toFixed(0)} s of a ${timeoutSeconds} s timeout`);
  if (announced < disconnect)
    misses.push(`fleet: ${announced} of ${disconnect} disconnected agents announced`);
  return { lines, misses };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] ?? 0);
}
