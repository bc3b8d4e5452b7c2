/**
 * Builds a value on first use and keeps it for the container's lifetime. Its own file so a function
 * that wires its own dependencies (approval-callback) does not bundle lib/deps.ts's engine, clients
 * and remediations.
 */
export function once<T>(make: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= make());
}
