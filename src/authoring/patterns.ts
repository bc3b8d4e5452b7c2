/**
 * SSM checks a parameter's `allowedPattern` twice: with Java's regex library at the API and with Go's
 * RE2 `regexp` in the agent (AWS-FACTS §5.3). A pattern must therefore compile here (as a JS regex,
 * our stand-in for Java) and use nothing RE2 lacks: lookarounds, backreferences, atomic groups,
 * possessive quantifiers.
 */

/** What is wrong with `pattern`, or undefined when it is usable in both dialects. */
export function allowedPatternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'must be a non-empty string';
  try {
    new RegExp(pattern);
  } catch (e) {
    return `does not compile: ${e instanceof Error ? e.message : String(e)}`;
  }
  const re2 = re2Problem(pattern);
  return re2 ? `${re2}, which Go RE2 (used by SSM Agent) does not support` : undefined;
}

function re2Problem(p: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(n)) return `uses a backreference (\\${n})`;
      if (!inClass && n === 'k' && p[i + 2] === '<') return 'uses a named backreference (\\k<…>)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A ']' right after '[' or '[^' is a literal.
      if (p[i + 1] === '^') i++;
      if (p[i + 1] === ']') i++;
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2);
      if (rest.startsWith('=') || rest.startsWith('!')) return 'uses a lookahead ((?=…) or (?!…))';
      if (rest.startsWith('<=') || rest.startsWith('<!')) return 'uses a lookbehind ((?<=…) or (?<!…))';
      if (rest.startsWith('>')) return 'uses an atomic group ((?>…))';
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && p[i + 1] === '+') {
      return `uses a possessive quantifier (${c}+)`;
    }
  }
  return undefined;
}
