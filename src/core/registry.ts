import { appliesTo, type Remediation } from './remediation.ts';
import { requestedRemediation } from './manual.ts';
import type { Finding } from '../model/types.ts';

export interface RegistryEntry {
  file: string;
  remediation: Remediation;
}

export interface Registry {
  all(): readonly Remediation[];
  get(id: string): Remediation | undefined;
  /** Remediations whose trigger family and applies() match the finding (a manual finding: the one it names). */
  matching(finding: Finding): Remediation[];
}

export function createRegistry(entries: ReadonlyArray<RegistryEntry>): Registry {
  const byId = new Map<string, Remediation>();
  for (const { file, remediation } of entries) {
    const clash = byId.get(remediation.id);
    if (clash) throw new Error(`duplicate remediation id ${JSON.stringify(remediation.id)} in ${file}`);
    byId.set(remediation.id, remediation);
  }
  const all = [...byId.values()];
  return {
    all: () => all,
    get: (id) => byId.get(id),
    matching: (finding) => {
      // An operator's request (`Remediation Requested`) names its one remediation (src/core/manual.ts).
      const named = requestedRemediation(finding);
      if (named !== undefined) return all.filter((r) => r.id === named && r.trigger === finding.family);
      return all.filter((r) => appliesTo(r, finding));
    },
  };
}
