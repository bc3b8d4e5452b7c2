/** One thing an author got wrong: the file (relative to the project root), the field, and what is wrong. */
export interface Problem {
  file: string;
  field: string;
  message: string;
}

/** `file: field: message`, the line `remediator check` prints. */
export const formatProblem = (p: Problem): string => `${p.file}: ${p.field}: ${p.message}`;
