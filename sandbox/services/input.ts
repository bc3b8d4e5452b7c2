/** Reading decoded request inputs with AWS-style validation errors. */
import { AwsError, validation } from '../errors.ts';

const memberName = (key: string): string => key.charAt(0).toLowerCase() + key.slice(1);

export function notNull(key: string): AwsError {
  return validation(
    `1 validation error detected: Value null at '${memberName(key)}' failed to satisfy constraint: Member must not be null`,
  );
}

export function requiredString(input: Record<string, unknown>, key: string): string {
  const value = input[key];
  if (value === undefined || value === null) throw notNull(key);
  if (typeof value !== 'string') throw validation(`${key} must be a string`);
  return value;
}

export function optionalString(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`${key} must be a string`);
  return value;
}

/** Booleans arrive as JSON booleans, or as 'true'/'false' strings on the Query protocol. */
export function optionalBoolean(input: Record<string, unknown>, key: string): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw validation(`${key} must be a boolean`);
}

export function optionalNumber(input: Record<string, unknown>, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw validation(`${key} must be a number`);
  return n;
}

export function stringList(input: Record<string, unknown>, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw validation(`${key} must be a list of strings`);
  }
  return value;
}

export function objectList(
  input: Record<string, unknown>,
  key: string,
): Array<Record<string, unknown>> | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every(isRecord))
    throw validation(`${key} must be a list of structures`);
  return value;
}

export function optionalRecord(
  input: Record<string, unknown>,
  key: string,
): Record<string, unknown> | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw validation(`${key} must be a structure`);
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An opaque pagination token for an offset into a list. */
export function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64');
}

export function decodeToken(token: string | undefined, code = 'InvalidNextToken'): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (isRecord(parsed) && typeof parsed['o'] === 'number') return parsed['o'];
  } catch {
    // fall through to the error below
  }
  throw new AwsError(code, 'The specified token is not valid.');
}
