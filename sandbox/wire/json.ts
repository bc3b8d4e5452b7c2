/** The awsJson 1.0/1.1 wire form: bodies, errors and timestamps (epoch seconds). */

/** awsJson timestamps are epoch-seconds numbers (fractions allowed). */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** Read an awsJson timestamp (epoch seconds as number or numeric string) back into a Date. */
export function fromEpochSeconds(value: unknown): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return new Date(Number(value) * 1000);
  }
  return undefined;
}

/** Serialise an operation's output; any Date left in it becomes epoch seconds. */
export function encodeJsonBody(output: unknown): string {
  return JSON.stringify(output ?? {}, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? epochSeconds(raw) : value;
  });
}

export function encodeJsonError(code: string, message: string): string {
  return JSON.stringify({ __type: code, message });
}

/** Parse a JSON request body into an input object; an empty body is `{}`. */
export function decodeJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  const parsed: unknown = JSON.parse(body);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SyntaxError('request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
