import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const projectRoot = resolve(import.meta.dirname, '../..');
/** The example events the repo ships (examples/events/README.md says where they come from). */
export const eventsDir = resolve(projectRoot, 'examples', 'events');

/** One of the example events in examples/events/, parsed fresh each call. */
export function exampleEvent(name: string): Record<string, unknown> & { detail: Record<string, unknown> } {
  return JSON.parse(readFileSync(resolve(eventsDir, `${name}.json`), 'utf8'));
}

/** A deep copy with `mutate` applied, for malformed-event tests. */
export function variant<T>(value: T, mutate: (v: T) => void): T {
  const copy = structuredClone(value);
  mutate(copy);
  return copy;
}
