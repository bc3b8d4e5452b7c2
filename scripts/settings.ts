/**
 * Writes what is generated from src/settings.ts into serverless.yml and docs/operating.md, between
 * marker lines (`# settings:begin <region>` … `# settings:end`, `<!-- settings:begin -->` …
 * `<!-- settings:end -->`):
 *   params           params.default: every setting's default, with its doc line
 *   custom           custom.settings: every setting's resolved value (the plugin validates them)
 *   provider         provider.environment: the variables every function gets
 *   function <name>  functions.<name>.environment: the variables only that function gets
 *   docs             the table of docs/operating.md "Settings"
 *
 *   npx tsx scripts/settings.ts --write    rewrite the regions
 *   npx tsx scripts/settings.ts --check    exit 1 naming the regions that differ (test/config/settings.test.ts)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { DOCS } from '../src/settings-docs.ts';
import { FUNCTION_NAMES, SETTING_LIST, type Setting, type SettingName } from '../src/settings.ts';

const docOf = (x: Setting) => DOCS[x.param as SettingName];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
/** A default as YAML: package-time numbers stay numbers (reservedConcurrency, batching window). */
const yamlValue = (x: Setting) =>
  typeof x.default === 'number' && !x.env ? String(x.default) : quote(String(x.default));

function paramsRegion(): string[] {
  const out: string[] = [];
  let group = '';
  for (const x of SETTING_LIST) {
    if (docOf(x).group !== group) out.push(`# ---- ${(group = docOf(x).group)} ----`);
    out.push(`# ${docOf(x).doc}`, `${x.param}: ${yamlValue(x)}`);
  }
  return out;
}

const customRegion = () => SETTING_LIST.map((x) => `${x.param}: \${param:${x.param}}`);

const envRegion = (fn?: string) =>
  SETTING_LIST.filter((x) => x.env && (fn ? x.functions?.includes(fn as never) : !x.functions)).map(
    (x) => `${x.env}: \${param:${x.param}}`,
  );

/** The generated lines of a serverless.yml region (without indentation). */
export function yamlRegion(name: string): string[] {
  if (name === 'params') return paramsRegion();
  if (name === 'custom') return customRegion();
  if (name === 'provider') return envRegion();
  const m = /^function (\w+)$/.exec(name);
  if (m && (FUNCTION_NAMES as readonly string[]).includes(m[1]!)) return envRegion(m[1]);
  throw new Error(`serverless.yml: unknown settings region ${JSON.stringify(name)}`);
}

const cell = (s: string) => s.replace(/\|/g, '\\|');
/** The docs table (docs/operating.md "Settings"). */
export function docsTable(): string[] {
  return [
    '| parameter | variable | default | functions | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...SETTING_LIST.map(
      (x) =>
        `| \`${x.param}\` | ${x.env ? `\`${x.env}\`` : '(package time)'} | ${
          x.default === '' ? "`''`" : `\`${cell(String(x.default))}\``
        } | ${x.env ? (x.functions ?? ['all']).join(', ') : '—'} | ${cell(docOf(x).doc)} |`,
    ),
  ];
}

/** Replaces every marked region of `text`; `lines(name)` gives a region's content. */
function rewrite(text: string, begin: RegExp, end: RegExp, lines: (name: string) => string[]): string {
  const src = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < src.length; i++) {
    const m = begin.exec(src[i]!);
    out.push(src[i]!);
    if (!m) continue;
    const indent = /^\s*/.exec(src[i]!)![0];
    let j = i + 1;
    while (j < src.length && !end.test(src[j]!)) j++;
    if (j === src.length) throw new Error(`no end marker after line ${i + 1}: ${src[i]}`);
    out.push(...lines(m[1]!.trim()).map((l) => indent + l));
    i = j - 1;
  }
  return out.join('\n');
}

const YAML_BEGIN = /^\s*# settings:begin (.+?)(?: \(generated.*)?$/;
const YAML_END = /^\s*# settings:end/;
const MD_BEGIN = /^<!-- settings:begin (\w+) -->$/;
const MD_END = /^<!-- settings:end -->$/;

export const generatedServerlessYml = (text: string) => rewrite(text, YAML_BEGIN, YAML_END, yamlRegion);
/** docs/operating.md with its table regenerated, formatted as `prettier --write` leaves it. */
export async function generatedOperatingMd(
  text: string,
  path = resolve(root, 'docs/operating.md'),
): Promise<string> {
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(
    rewrite(text, MD_BEGIN, MD_END, () => docsTable()),
    { ...options, filepath: path },
  );
}

const FILES: Array<[string, (t: string) => string | Promise<string>]> = [
  ['serverless.yml', generatedServerlessYml],
  ['docs/operating.md', generatedOperatingMd],
];

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const write = process.argv.includes('--write');
  let stale = 0;
  for (const [file, gen] of FILES) {
    const path = resolve(root, file);
    const text = readFileSync(path, 'utf8');
    const next = await gen(text);
    if (next === text) continue;
    if (write) writeFileSync(path, next);
    else {
      stale++;
      console.error(`${file}: differs from src/settings.ts (npx tsx scripts/settings.ts --write)`);
    }
  }
  process.exit(stale > 0 ? 1 : 0);
}
