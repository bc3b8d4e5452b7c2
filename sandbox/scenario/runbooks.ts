/**
 * The project's remediations as a scenario sees them: ids, production default modes and the Config
 * rules they answer. Loaded from src/runbooks/ (the same file list as the `virtual:runbooks`
 * registry) with tsx's synchronous require, so validating a scenario needs no build and no await.
 */
import { createRequire } from 'node:module';
import { runbookFiles } from '../../scripts/runbooks-module.ts';
import type { Remediation } from '../../src/core/remediation.ts';
import type { Mode } from '../../src/model/types.ts';

export interface KnownRemediation {
  id: string;
  defaultMode: Mode;
  trigger: Remediation['trigger'];
  /** Config rule names its examples show it answering (config.noncompliant only). */
  rules: string[];
  /** The resource types those examples report, by rule. */
  resourceTypes: Record<string, string[]>;
}

const cache = new Map<string, KnownRemediation[]>();

/** The (rule, resource type) pairs a Config remediation's examples show it acting on. */
function rulesOf(r: Remediation): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (r.trigger !== 'config.noncompliant') return out;
  for (const ex of r.examples) {
    if (ex.expect.applies === false) continue;
    const d = ex.event['detail'] as { configRuleName?: unknown; resourceType?: unknown } | undefined;
    if (typeof d?.configRuleName !== 'string' || typeof d.resourceType !== 'string') continue;
    const types = (out[d.configRuleName] ??= []);
    if (!types.includes(d.resourceType)) types.push(d.resourceType);
  }
  return out;
}

/** Every remediation in `<projectRoot>/src/runbooks/`, in file order. */
export function projectRemediations(projectRoot: string): KnownRemediation[] {
  const cached = cache.get(projectRoot);
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const { require: tsxRequire } = require('tsx/cjs/api') as {
    require: (id: string, from: string) => { default: Remediation };
  };
  const known = runbookFiles(projectRoot).map((file) => {
    const r = tsxRequire(file, import.meta.url).default;
    const resourceTypes = rulesOf(r);
    return {
      id: r.id,
      defaultMode: r.defaultMode,
      trigger: r.trigger,
      rules: Object.keys(resourceTypes),
      resourceTypes,
    };
  });
  cache.set(projectRoot, known);
  return known;
}

export interface RunMode {
  /** The mode at the start of the run. */
  mode: Mode;
  /** Who chose it: the scenario's `modes`, or the remediation's production `defaultMode`. */
  from: 'scenario' | 'default';
  /** Later changes the scenario makes (`modes[].at` > 0), as simulated ms after the start. */
  changes: Array<{ atMs: number; mode: Mode }>;
}

/** Which remediation runs in which mode for a scenario: its `modes` over the production defaults. */
export function runModes(
  known: KnownRemediation[],
  modes: ReadonlyArray<{ remediation: string; mode: Mode; at: number }>,
): Record<string, RunMode> {
  const out: Record<string, RunMode> = {};
  for (const r of known) {
    const set = modes.filter((m) => m.remediation === r.id).sort((a, b) => a.at - b.at);
    const initial = set.filter((m) => m.at === 0).at(-1);
    out[r.id] = {
      mode: initial?.mode ?? r.defaultMode,
      from: initial ? 'scenario' : 'default',
      changes: set.filter((m) => m.at > 0).map((m) => ({ atMs: m.at, mode: m.mode })),
    };
  }
  return out;
}

/** `auto: a, b*; shadow: c` (* = set by the scenario, → = changed later in the day). */
export const describeModes = (modes: Record<string, RunMode>): string =>
  ['auto', 'shadow', 'off']
    .map((mode) => {
      const ids = Object.entries(modes).filter(([, m]) => m.mode === mode);
      const mark = ([id, m]: [string, RunMode]): string =>
        `${id}${m.from === 'scenario' ? '*' : ''}${m.changes.map((c) => ` → ${c.mode}`).join('')}`;
      return ids.length > 0 ? `${mode}: ${ids.map(mark).join(', ')}` : '';
    })
    .filter((x) => x !== '')
    .join('; ') + '  (* set by the scenario)';
