/**
 * Does an event value reach a document parameter without being validated? For one worked example,
 * every string in its event is replaced, one at a time, by text no id pattern accepts (shell syntax);
 * if the plan still acts and that text shows up in a parameter, the plan passed the event's value on
 * unchecked instead of through `requireId` (or its own validated pattern). Pure.
 */
import type { Action } from '../model/types.ts';

/**
 * What is put in place of each event value: text that would be code in a shell, and text the event
 * parsers accept as a resource id (safeResourceId) but that has the shape of no particular id.
 */
export const TAINTS = ['zq9;$(reboot)', 'ZQ9:tainted/value'] as const;

export interface Tainted {
  /** Where in the event the value came from, e.g. `detail.commandId`. */
  path: string;
  /** The text that reached the parameter. */
  taint: string;
  /** The index of the action in the plan's actions, and the parameter it reached. */
  action: number;
  parameter: string;
}

type Json = unknown;

/** Every path to a string leaf of `value` (arrays by index). */
function stringPaths(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [prefix];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...prefix, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...prefix, k]));
  }
  return [];
}

function replaced(value: Json, path: Array<string | number>, by: string): Json {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaced(v, rest, by) : v));
  const o = value as Record<string, Json>;
  return { ...o, [head!]: replaced(o[head!], rest, by) };
}

/** The (event path, action, parameter) triples where the plan passed an event value on unvalidated. */
export function taintedParameters(
  event: Record<string, unknown>,
  plan: (event: Record<string, unknown>) => Action[],
): Tainted[] {
  const found: Tainted[] = [];
  for (const path of stringPaths(event)) {
    // The envelope's fixed fields decide which parser reads the event; a probe there parses as nothing.
    if (path.length === 1 && ['source', 'detail-type', 'version'].includes(String(path[0]))) continue;
    for (const taint of TAINTS) {
      let actions: Action[];
      try {
        actions = plan(replaced(event, path, taint) as Record<string, unknown>);
      } catch {
        continue; // rejected: the value was validated
      }
      actions.forEach((a, i) => {
        if (a.kind !== 'startAutomation' && a.kind !== 'sendCommand') return;
        for (const [name, values] of Object.entries(a.parameters)) {
          if (!JSON.stringify(values).toLowerCase().includes('zq9')) continue;
          if (found.some((t) => t.action === i && t.parameter === name && t.path === path.join('.')))
            continue;
          found.push({ path: path.join('.'), taint, action: i, parameter: name });
        }
      });
    }
  }
  return found;
}
