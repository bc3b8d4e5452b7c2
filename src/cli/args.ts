/**
 * One argument parser for every `remediator` command. Each command declares its options (type, value
 * name, help, limits) in a CommandSpec; this module parses argv against it and writes the help text.
 * `-h`/`--help` prints the help on stdout (exit 0); an unknown option, a missing value or a bad value
 * prints one line naming it plus the usage on stderr (exit 2), never a stack trace.
 */
import type { Io } from './io.ts';

export interface OptionSpec {
  /** boolean: a flag; string: any text; integer: a whole number in [min, max]; number: a positive number. */
  type: 'boolean' | 'string' | 'integer' | 'number';
  /** The value's name in the help, e.g. FILE, N, URL (choices are shown instead when given). */
  value?: string;
  help: string;
  /** Repeatable: every value is kept, in order. */
  multiple?: boolean;
  /** The accepted values (matched case-insensitively, returned as spelled here). */
  choices?: readonly string[];
  /** Bounds for integer options (inclusive). */
  min?: number;
  max?: number;
}

export interface CommandSpec {
  name: string;
  /** One line for `remediator --help`. */
  brief: string;
  /** Positional arguments as shown in the usage, e.g. '<event.json>'. */
  args?: string;
  /** How many positionals the command takes (default: none). */
  positionals?: { min: number; max: number };
  summary: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Printed after the options in --help (notes, examples). */
  more?: string;
}

type ValueOf<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean
  : O['type'] extends 'integer' | 'number'
    ? number
    : O extends { choices: readonly (infer C)[] }
      ? C
      : string;

export type Values<S extends CommandSpec> = {
  [K in keyof S['options']]?: S['options'][K]['multiple'] extends true
    ? ValueOf<S['options'][K]>[]
    : ValueOf<S['options'][K]>;
};

export interface Parsed<S extends CommandSpec> {
  values: Values<S>;
  positionals: string[];
}

/** A usage mistake: the message names the option or argument. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const HELP: OptionSpec = { type: 'boolean', help: 'show this help' };

/** Parses argv against the spec; 'help' when -h/--help is given; throws UsageError otherwise. */
export function parseArgs<S extends CommandSpec>(spec: S, argv: readonly string[]): Parsed<S> | 'help' {
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') return 'help';
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const name = flag.startsWith('--') ? flag.slice(2) : undefined;
    const opt = name !== undefined ? spec.options[name] : undefined;
    if (!opt || name === undefined) throw new UsageError(unknownOption(flag, spec));
    let raw: string | undefined = flag === arg ? undefined : arg.slice(eq + 1);
    if (opt.type === 'boolean') {
      if (raw !== undefined) throw new UsageError(`${flag} takes no value`);
      values[name] = true;
      continue;
    }
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2) || next === '-h')
        throw new UsageError(`${flag} needs a value (${valueName(opt)})`);
      raw = next;
      i++;
    }
    const v = convert(flag, opt, raw);
    if (opt.multiple) ((values[name] ??= []) as unknown[]).push(v);
    else values[name] = v;
  }
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  if (positionals.length < min) throw new UsageError(`missing ${spec.args ?? 'argument'}`);
  if (positionals.length > max)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[max])}`);
  return { values: values as Values<S>, positionals };
}

function convert(flag: string, opt: OptionSpec, raw: string): string | number {
  if (opt.choices) {
    const hit = opt.choices.find((c) => c.toLowerCase() === raw.toLowerCase());
    if (hit === undefined)
      throw new UsageError(`${flag} must be one of ${opt.choices.join(', ')}, not ${JSON.stringify(raw)}`);
    return hit;
  }
  if (opt.type === 'integer') {
    const n = Number(raw);
    const lo = opt.min ?? Number.MIN_SAFE_INTEGER;
    const hi = opt.max ?? Number.MAX_SAFE_INTEGER;
    if (!/^-?\d+$/.test(raw) || n < lo || n > hi) {
      const range = opt.max !== undefined ? `from ${lo} to ${hi}` : opt.min !== undefined ? `≥ ${lo}` : '';
      throw new UsageError(`${flag} must be a whole number ${range}, not ${JSON.stringify(raw)}`.trim());
    }
    return n;
  }
  if (opt.type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new UsageError(`${flag} must be a positive number, not ${JSON.stringify(raw)}`);
    return n;
  }
  return raw;
}

function unknownOption(flag: string, spec: CommandSpec): string {
  const names = Object.keys(spec.options).map((n) => `--${n}`);
  const near = names.find((n) => distance(n, flag) <= 2 || (flag.length > 3 && n.startsWith(flag)));
  return `unknown option ${flag}${near ? ` (did you mean ${near}?)` : ''}`;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

const valueName = (o: OptionSpec): string => (o.choices ? o.choices.join('|') : (o.value ?? 'VALUE'));

/** `usage: remediator plan <event.json> [options]` and the option list. */
export function usageText(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => {
    const left = `${name === 'help' ? '-h, ' : ''}--${name}${o.type === 'boolean' ? '' : ` ${valueName(o)}`}`;
    const help = `${o.help}${o.multiple ? ' (repeatable)' : ''}`;
    return left.length <= 30 ? `  ${left.padEnd(30)} ${help}` : `  ${left}\n  ${''.padEnd(30)} ${help}`;
  });
  return [
    `usage: remediator ${spec.name}${spec.args ? ` ${spec.args}` : ''} [options]`,
    '',
    'options:',
    ...rows,
  ].join('\n');
}

/** The full --help: usage, what the command does, options, then notes. */
export function helpText(spec: CommandSpec): string {
  const [first, ...rest] = usageText(spec).split('\n');
  return [first, '', spec.summary, ...rest, ...(spec.more ? ['', spec.more] : [])].join('\n');
}

/** Prints a usage mistake (one line naming it) and the usage on stderr; returns exit code 2. */
export function usageError(io: Io, spec: CommandSpec, message: string): 2 {
  io.err(`remediator ${spec.name}: ${message}`);
  io.err(usageText(spec));
  return 2;
}

/**
 * Parses argv for a command: the parsed arguments, or the exit code when there is nothing more to do
 * (0 after printing --help on stdout, 2 after a usage mistake on stderr).
 */
export function parseCommand<S extends CommandSpec>(
  spec: S,
  argv: readonly string[],
  io: Io,
): Parsed<S> | 0 | 2 {
  try {
    const parsed = parseArgs(spec, argv);
    if (parsed !== 'help') return parsed;
    io.out(helpText(spec));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) return usageError(io, spec, e.message);
    throw e;
  }
}
