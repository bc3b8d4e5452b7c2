/**
 * A scenario made concrete, with no account yet: the fleet's instance ids and platforms, every
 * non-compliant resource and when Config announces it, which instances fail patching or drop off,
 * and the timeline of happenings in simulated ms after the start. Pure and seeded: the same scenario
 * and seed give the same world.
 */
import { createRng, type Rng } from '../rng.ts';
import type { Scenario } from './schema.ts';

export interface PlannedInstance {
  id: string;
  platform: 'Linux' | 'Windows' | 'MacOS';
  tags: Record<string, string>;
}

export interface PlannedFinding {
  rule: string;
  resourceType: string;
  resourceId: string;
  /** When Config evaluates it NON_COMPLIANT (ms after start). */
  at: number;
  /** When Config announces it a second time, if it does. */
  duplicateAt?: number;
  /** When Config re-evaluates it COMPLIANT (fixed by someone else), if it does. */
  compliantAt?: number;
  /** When it drifts back to NON_COMPLIANT (if it was fixed by then), if it does. */
  driftAt?: number[];
  /** Non-compliant before the deployment: recorded by Config, never announced (`at` is a day before the start). */
  preexisting?: true;
}

export interface PlannedPatchWindow {
  index: number;
  at: number;
  instances: string[];
  failed: string[];
  emit: ('invocation' | 'compliance')[];
  retry: 'succeeds' | 'fails';
}

export interface PlannedDropOff {
  index: number;
  at: number;
  instances: string[];
  returning: string[];
  returnAt?: number;
}

export interface World {
  start: Date;
  end: Date;
  instances: PlannedInstance[];
  findings: PlannedFinding[];
  patchWindows: PlannedPatchWindow[];
  dropOffs: PlannedDropOff[];
  /** The patch window an instance's patch failure at `at` (ms epoch) belongs to. */
  windowOf(instance: string, atEpochMs: number): string;
  /** The drop-off an agent disconnect at `at` (ms epoch) belongs to. */
  dropOf(instance: string, atEpochMs: number): string;
}

const hex = (rng: Rng, n: number): string =>
  Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');

/** Splits `n` by weights with the largest-remainder method (exact total, deterministic). */
export function apportion<K extends string>(n: number, weights: Partial<Record<K, number>>): [K, number][] {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) return [];
  const raw = entries.map(([k, w]) => [k, (n * w) / total] as const);
  const out = raw.map(([k, v]) => [k, Math.floor(v)] as [K, number]);
  let left = n - out.reduce((s, [, v]) => s + v, 0);
  const order = raw
    .map(([, v], i) => ({ i, frac: v - Math.floor(v) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    out[i]![1] += 1;
    left -= 1;
  }
  return out;
}

/** `count` moments spread evenly over [from, to], with seeded jitter of up to a quarter step. */
function spread(rng: Rng, count: number, from: number, to: number): number[] {
  if (count === 0) return [];
  const step = (to - from) / count;
  return Array.from({ length: count }, (_, i) => {
    const base = from + step * (i + 0.5);
    const jitter = step > 0 ? (rng() - 0.5) * step * 0.5 : 0;
    return Math.max(from, Math.min(to, Math.round(base + jitter)));
  });
}

/** Every `k`-th of `n` indices, `m` of them, spread out. */
function spreadIndices(n: number, m: number): number[] {
  if (m <= 0 || n <= 0) return [];
  const take = Math.min(n, m);
  return Array.from({ length: take }, (_, i) => Math.floor(((i + 0.5) * n) / take));
}

function resourceIdFor(rng: Rng, type: string, rule: string, n: number, fleet: PlannedInstance[]): string {
  if (type === 'AWS::EC2::SecurityGroup') return `sg-0${hex(rng, 16)}`;
  if (type === 'AWS::S3::Bucket') {
    const short = rule
      .split('-')
      .map((w) => w[0])
      .join('')
      .toLowerCase();
    return `rehearse-${short}-${String(n + 1).padStart(4, '0')}-${hex(rng, 4)}`;
  }
  const inst = fleet[n];
  if (!inst)
    throw new Error(
      `findings for ${rule}: ${n + 1} AWS::EC2::Instance resources but the fleet has ${fleet.length}`,
    );
  return inst.id;
}

/** `start` is the simulated moment the scenario begins (default: its clock.start). */
export function planWorld(s: Scenario, start: Date = new Date(s.clock.start ?? Date.now())): World {
  const rng = createRng(s.seed);
  const end = new Date(start.getTime() + s.clock.duration);

  // Fleet: platforms by weight, instances interleaved so every slice of the fleet has the mix.
  const counts = apportion(s.fleet.count, s.fleet.platforms);
  const platforms: PlannedInstance['platform'][] = [];
  const remaining = new Map(counts);
  while (platforms.length < s.fleet.count) {
    for (const [p] of counts) {
      const left = remaining.get(p) ?? 0;
      if (left <= 0) continue;
      platforms.push(p);
      remaining.set(p, left - 1);
    }
  }
  const seen = new Set<string>();
  const instances: PlannedInstance[] = platforms.map((platform) => {
    let id = `i-0${hex(rng, 16)}`;
    while (seen.has(id)) id = `i-0${hex(rng, 16)}`;
    seen.add(id);
    return { id, platform, tags: { ...s.fleet.tags } };
  });
  for (const ts of s.fleet.taggedShares) {
    for (const i of spreadIndices(instances.length, Math.round(ts.share * instances.length)))
      Object.assign(instances[i]!.tags, ts.tags);
  }

  // Findings.
  const freezes = s.calendars.filter((c) => c.default && c.type === 'DEFAULT_OPEN').flatMap((c) => c.events);
  const inFreeze = (t: number): boolean => freezes.some((w) => t >= w.from && t < w.to);
  const findings: PlannedFinding[] = [];
  for (const f of s.findings) {
    const times = f.preexisting
      ? Array.from({ length: f.count }, () => -86_400_000)
      : spread(rng, f.count, f.at!.from, f.at!.to);
    const group: PlannedFinding[] = times.map((at, n) => ({
      rule: f.rule,
      resourceType: f.resourceType,
      resourceId: resourceIdFor(rng, f.resourceType, f.rule, n, instances),
      at,
      ...(f.preexisting ? { preexisting: true as const } : {}),
    }));
    for (const i of spreadIndices(group.length, f.duplicates)) {
      const g = group[i]!;
      g.duplicateAt = g.at + 20_000 + Math.round(rng() * 70_000);
    }
    if (f.compliantLater) {
      const { count, at } = f.compliantLater;
      const candidates = group
        .filter((g) => g.at < at)
        .sort((a, b) => Number(inFreeze(b.at)) - Number(inFreeze(a.at)) || a.at - b.at);
      for (const g of candidates.slice(0, count)) g.compliantAt = at;
    }
    if (f.drift)
      for (const g of group)
        g.driftAt = Array.from({ length: f.drift.times }, (_, k) => g.at + (k + 1) * f.drift!.every);
    findings.push(...group);
  }

  // Patch windows: the first instances of the fleet; the failures spread among them.
  const patchWindows: PlannedPatchWindow[] = s.patchWindows.map((w, index) => {
    const patched = instances.slice(0, w.instances ?? instances.length).map((i) => i.id);
    const failedCount = Math.min(
      patched.length,
      w.failed ?? Math.round(s.fleet.patchFailureShare * patched.length),
    );
    const failed = spreadIndices(patched.length, failedCount).map((i) => patched[i]!);
    return { index, at: w.at, instances: patched, failed, emit: w.emit, retry: w.retry };
  });

  // Agents dropping off: from the end of the fleet, so they rarely overlap the patch failures.
  const dropOffs: PlannedDropOff[] = [];
  let taken = 0;
  for (const [index, a] of s.agents.entries()) {
    const from = Math.max(0, instances.length - taken - a.disconnect);
    const ids = instances.slice(from, instances.length - taken).map((i) => i.id);
    taken += ids.length;
    const returning = ids.slice(0, Math.min(a.reconnect, ids.length));
    dropOffs.push({
      index,
      at: a.at,
      instances: ids,
      returning,
      ...(returning.length > 0 ? { returnAt: a.reconnectAt ?? a.at + 3_600_000 } : {}),
    });
  }

  const t0 = start.getTime();
  const windowOf = (instance: string, at: number): string => {
    const w = [...patchWindows].reverse().find((p) => p.instances.includes(instance) && t0 + p.at <= at);
    return w ? `window#${w.index}` : `at#${at}`;
  };
  const dropOf = (instance: string, at: number): string => {
    const d = [...dropOffs].reverse().find((p) => p.instances.includes(instance) && t0 + p.at <= at);
    return d ? `drop#${d.index}` : `at#${at}`;
  };

  return { start, end, instances, findings, patchWindows, dropOffs, windowOf, dropOf };
}
