/**
 * Where a document of ours lets a parameter's value become code: `{{ }}` pasted into a script, a
 * command list, a document's JSON parameters or a working directory; a parameter handed to
 * `eval`/`sh -c`/`Invoke-Expression` whose pattern admits shell syntax; an unanchored allowedPattern;
 * an `aws:executeScript` that runs its input as code. Pure: a parsed step in, problems out
 * (the shell-line `{{ }}` and `$SSM_X` rules stay with the schema checks in documents.ts).
 */
type Bad = (field: string, message: string) => void;
type Params = Record<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const PASTED = /\{\{\s*([^}\s]+)\s*\}\}/g;
const pasted = (v: unknown): string[] =>
  typeof v === 'string' ? [...v.matchAll(PASTED)].map((m) => m[1]!) : [];

/** Hands its argument to a shell or interpreter as code. */
const EXEC_SHELL =
  /\beval\b|\b(ba|da|k|z)?sh\s+(-[a-z]*\s+)*-c\b|\bInvoke-Expression\b|\biex\b|\bpowershell(\.exe)?\s+(-\w+\s+)*-(Command|EncodedCommand)\b/i;
/** In an aws:executeScript body (Python or PowerShell): runs a string as code or through a shell. */
const EXEC_SCRIPT =
  /\beval\s*\(|\bexec\s*\(|\bos\.(system|popen|exec\w*)\s*\(|shell\s*=\s*True|\bInvoke-Expression\b|\biex\b|\bcompile\s*\(/;
/** What a value handed to a shell as code must not contain: separators, substitutions, quotes, redirection, blanks. */
const SHELL_SYNTAX = [';', '|', '&', '$', '`', '(', ')', '<', '>', "'", '"', '\\', '\n', ' ', '\t', '*', '?'];

/** The problems of one step of our document (after its action was found known). */
export function unsafeStepProblems(
  field: string,
  step: Record<string, unknown>,
  params: Params,
  bad: Bad,
): void {
  const inputs = isRecord(step.inputs) ? step.inputs : {};
  const action = step.action as string;
  const inField = (k: string) => `${field}.inputs.${k}`;

  if (action === 'aws:runShellScript' || action === 'aws:runPowerShellScript') {
    checkExecuted(field, inputs.runCommand, params, bad);
    workingDirectory(inField('workingDirectory'), inputs.workingDirectory, bad);
  }
  if (action === 'aws:executeScript') {
    for (const name of pasted(inputs.Script)) {
      bad(
        inField('Script'),
        `pastes {{ ${name} }} into the script's source; pass it as InputPayload: { ${name}: '{{ ${name} }}' } and read events['${name}']`,
      );
    }
    const exec = typeof inputs.Script === 'string' ? EXEC_SCRIPT.exec(inputs.Script)?.[0] : undefined;
    if (exec !== undefined) {
      bad(
        inField('Script'),
        `runs text as code or through a shell (${exec.trim()}); an InputPayload value must be used as data, never executed`,
      );
    }
    jsonString(inField('InputPayload'), inputs.InputPayload, bad);
  }
  if (action === 'aws:runCommand') {
    commandParameters(inField('Parameters'), inputs.Parameters, bad);
  }
  if (action === 'aws:runDocument') {
    commandParameters(inField('documentParameters'), inputs.documentParameters, bad);
  }
}

/** `commands`/`workingDirectory` of a command document run by aws:runCommand or aws:runDocument. */
function commandParameters(field: string, value: unknown, bad: Bad): void {
  if (jsonString(field, value, bad) || !isRecord(value)) return;
  const commands = value.commands;
  const list = Array.isArray(commands) ? commands : [commands];
  list.forEach((line, j) => {
    const where = `${field}.commands${Array.isArray(commands) ? `[${j}]` : ''}`;
    for (const name of pasted(line)) {
      bad(
        where,
        `pastes {{ ${name} }} into the commands a shell runs; send a Command document of ours that takes ${name} as its own parameter (interpolationType: ENV_VAR)`,
      );
    }
  });
  workingDirectory(`${field}.workingDirectory`, value.workingDirectory, bad);
}

/** A JSON string built with `{{ }}`: a value with a quote rewrites the JSON. True when `value` is a string. */
function jsonString(field: string, value: unknown, bad: Bad): boolean {
  if (typeof value !== 'string') return false;
  for (const name of pasted(value)) {
    bad(
      field,
      `pastes {{ ${name} }} into a JSON string, where a quote in the value adds keys; write it as a YAML mapping with ${name}: '{{ ${name} }}'`,
    );
  }
  return true;
}

function workingDirectory(field: string, value: unknown, bad: Bad): void {
  const names = [
    ...pasted(value),
    ...(typeof value === 'string' ? [...value.matchAll(/SSM_([A-Za-z0-9_]+)/g)].map((m) => m[1]!) : []),
  ];
  for (const name of names) {
    bad(
      field,
      `is built from parameter ${name}, so the caller picks the directory the script runs in; use a fixed directory`,
    );
  }
}

/** A parameter a shell line hands to eval / sh -c / Invoke-Expression must not admit shell syntax. */
function checkExecuted(field: string, run: unknown, params: Params, bad: Bad): void {
  const lines = typeof run === 'string' ? [run] : Array.isArray(run) ? run : [];
  lines.forEach((block: unknown, j) => {
    if (typeof block !== 'string') return;
    const where = `${field}.inputs.runCommand${typeof run === 'string' ? '' : `[${j}]`}`;
    for (const line of block.split('\n')) {
      const exec = EXEC_SHELL.exec(line)?.[0];
      if (exec === undefined) continue;
      for (const m of line.matchAll(/SSM_([A-Za-z0-9_]+)/g)) {
        const name = m[1]!;
        const def = params[name];
        if (!isRecord(def) || def.allowedPattern === undefined) continue;
        const admits = admitted(String(def.allowedPattern));
        if (admits.length > 0) {
          bad(
            `parameters.${name}.allowedPattern`,
            `${JSON.stringify(def.allowedPattern)} admits ${admits.map((c) => JSON.stringify(c)).join(' ')}, and ${where} hands ${name} to ${exec.trim()} as code; ` +
              'allow only a fixed list (allowedValues) or a pattern without shell syntax, or do not execute it',
          );
        }
      }
    }
  });
}

/**
 * Is the pattern anchored at both ends (`^…$`, or `\A…\z`) with no top-level alternation? Unanchored,
 * it accepts any value that merely contains a match.
 */
export function unanchored(pattern: string): string | undefined {
  const start = pattern.startsWith('^') || pattern.startsWith('\\A');
  const end = (/(^|[^\\])(\\\\)*\$$/.test(pattern) && pattern.length > 1) || pattern.endsWith('\\z');
  if (!start || !end) {
    return `is not anchored (${!start ? 'no ^ at the start' : 'no $ at the end'}): it accepts any value that contains a match; write ^…$`;
  }
  if (topLevelAlternation(pattern)) {
    return 'has a top-level | outside a group, so ^ and $ anchor only one side of it; write ^(a|b)$';
  }
  return undefined;
}

function topLevelAlternation(p: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (p[i + 1] === '^') i++;
      if (p[i + 1] === ']') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/** The shell-syntax characters some atom of the pattern can match (unanchored: every one). */
export function admitted(pattern: string): string[] {
  if (unanchored(pattern) !== undefined) return SHELL_SYNTAX;
  const atoms: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (n === 'A' || n === 'z' || n === 'b' || n === 'B') {
        i++;
        continue;
      }
      // \p{..} / \x{..} take their braces along.
      const braced = /^[pPx]\{[^}]*\}/.exec(pattern.slice(i + 1))?.[0];
      const atom = `\\${braced ?? n}`;
      atoms.push(atom);
      i += atom.length - 1;
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      atoms.push(pattern.slice(i, j + 1));
      i = j;
    } else if (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
      i += /^\{\d+(,\d*)?\}/.exec(pattern.slice(i))![0].length - 1;
    } else if (c === '(' && pattern[i + 1] === '?') {
      // (?: (?i) (?P<name> : group syntax, not characters.
      const m = /^\(\?(P?<[^>]*>|[a-zA-Z-]*:?|)/.exec(pattern.slice(i))!;
      i += m[0].length - 1;
    } else if (!'^$|()*+?'.includes(c)) {
      atoms.push(c === '.' ? '.' : c.replace(/[{}]/g, '\\$&'));
    }
  }
  const found = new Set<string>();
  for (const atom of atoms) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${atom})$`, 'u');
    } catch {
      try {
        re = new RegExp(`^(?:${atom})$`);
      } catch {
        continue;
      }
    }
    for (const ch of SHELL_SYNTAX) if (re.test(ch)) found.add(ch);
  }
  return SHELL_SYNTAX.filter((c) => found.has(c));
}
