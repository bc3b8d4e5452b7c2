/**
 * The decision log.
 */

/** The decision log: one structured line per decision. */
export interface LogPort {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}
