import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const projectRoot = resolve(import.meta.dirname, '../..');
export const sharedEventsDir = resolve(projectRoot, '..', 'shared', 'aws', 'events');

/** One of the example events AWS-FACTS ships in shared/aws/events/, parsed fresh each call. */
export function sharedEvent(name: string): Record<string, unknown> & { detail: Record<string, unknown> } {
  return JSON.parse(readFileSync(resolve(sharedEventsDir, `${name}.json`), 'utf8'));
}

/** A deep copy with `mutate` applied, for malformed-event tests. */
export function variant<T>(value: T, mutate: (v: T) => void): T {
  const copy = structuredClone(value);
  mutate(copy);
  return copy;
}
