declare module 'virtual:runbooks' {
  import type { Remediation } from './core/remediation.ts';
  const entries: ReadonlyArray<{ file: string; remediation: Remediation }>;
  export default entries;
}
