/**
 * The packaged service as the sandbox deploys it: `serverless package` into a directory (one source of
 * truth: the same CloudFormation template and zips a real deploy would upload), the function zips
 * unpacked like Lambda unpacks them, and CloudFormation intrinsics resolved to sandbox values.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
}

export const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';

export interface PackageOptions {
  projectRoot: string;
  stage: string;
  region?: string;
  /** Where to write the package (default: a new temp dir). */
  outDir?: string;
  /** Stage parameters (`--param key=value`), e.g. { defaultCalendars: 'prod-freeze' }. */
  params?: Record<string, string>;
}

/** What packaging reads from the project (copied, so the working tree's .build/ is never rebuilt under a reader). */
const PROJECT_FILES = [
  'src',
  'sandbox',
  'scripts',
  'serverless',
  'bin',
  'serverless.yml',
  'package.json',
  'tsconfig.json',
];

/** Copies what packaging and the CLI read to a new temporary folder (node_modules symlinked). */
export function copyProject(projectRoot: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'sandbox-project-'));
  for (const f of PROJECT_FILES) {
    if (existsSync(join(projectRoot, f))) cpSync(join(projectRoot, f), join(copy, f), { recursive: true });
  }
  symlinkSync(join(projectRoot, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

/**
 * Runs `serverless package` (osls) offline, on a copy of the project (node_modules symlinked): the
 * plugin rebuilds `.build/`, which running sandboxes and tests may be reading in the working tree.
 */
export async function packageService(opts: PackageOptions): Promise<string> {
  const out = opts.outDir ?? mkdtempSync(join(tmpdir(), `sandbox-package-${opts.stage}-`));
  const cli = resolve(opts.projectRoot, 'node_modules/serverless/bin/serverless.js');
  if (!existsSync(cli)) throw new Error(`serverless (osls) is not installed: ${cli} is missing`);
  const copy = copyProject(opts.projectRoot);
  try {
    const args = [
      join(copy, 'node_modules/serverless/bin/serverless.js'),
      'package',
      '--stage',
      opts.stage,
      '--package',
      out,
    ];
    if (opts.region) args.push('--region', opts.region);
    for (const [k, v] of Object.entries(opts.params ?? {})) args.push('--param', `${k}=${v}`);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    await new Promise<void>((ok, fail) => {
      execFile(
        process.execPath,
        args,
        {
          cwd: copy,
          env: { ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', CI: '1' },
          maxBuffer: 16 << 20,
        },
        (err, stdout, stderr) => {
          if (err) fail(new Error(`serverless package failed:\n${stdout}\n${stderr}`));
          else ok();
        },
      );
    });
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  if (!existsSync(join(out, TEMPLATE_FILE)))
    throw new Error(`serverless package wrote no ${TEMPLATE_FILE} in ${out}`);
  return out;
}

export function readTemplate(dir: string): CfnTemplate {
  const file = join(dir, TEMPLATE_FILE);
  if (!existsSync(file)) throw new Error(`no ${TEMPLATE_FILE} in ${dir} (package the service first)`);
  return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
}

/** The service name and stage from serverless-state.json, when the package has one. */
export function readServiceState(dir: string): { service?: string; stage?: string } {
  const file = join(dir, 'serverless-state.json');
  if (!existsSync(file)) return {};
  const s = JSON.parse(readFileSync(file, 'utf8')) as {
    service?: { service?: string; provider?: { stage?: string } };
  };
  return { service: s.service?.service, stage: s.service?.provider?.stage };
}

/** Unpacks a zip (stored and deflated entries) into `dest`, like Lambda unpacks a deployment package. */
export function unzip(zipFile: string, dest: string): string[] {
  const buf = readFileSync(zipFile);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipFile} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const written: string[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zipFile}: bad central directory`);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    const target = resolve(dest, name);
    if (!target.startsWith(resolve(dest))) throw new Error(`${zipFile}: entry ${name} escapes the target`);
    if (name.endsWith('/')) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataStart, dataStart + compressed);
    mkdirSync(dirname(target), { recursive: true });
    if (method === 0) writeFileSync(target, data);
    else if (method === 8) writeFileSync(target, inflateRawSync(data));
    else throw new Error(`${zipFile}: entry ${name} uses unsupported compression ${method}`);
    written.push(target);
  }
  return written;
}

// ---- intrinsics -----------------------------------------------------------------------------------

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export interface ResolveContext {
  region: string;
  account: string;
  partition: string;
  stackName: string;
  /** `Ref` of a resource; undefined when the sandbox cannot say what it is. */
  ref(logicalId: string): string | undefined;
  /** `Fn::GetAtt`; undefined when unknown. */
  getAtt(logicalId: string, attribute: string): string | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split in `value`; `where` names the place for errors. */
export function resolveIntrinsics(value: unknown, ctx: ResolveContext, where: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveIntrinsics(v, ctx, `${where}[${i}]`));
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) {
    return resolveFn(keys[0]!, value[keys[0]!], ctx, where);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = resolveIntrinsics(v, ctx, `${where}.${k}`);
  return out;
}

function fail(where: string, fn: string, arg: unknown, why: string): never {
  throw new TemplateError(`cannot resolve ${JSON.stringify({ [fn]: arg })} at ${where}: ${why}`);
}

function pseudo(name: string, ctx: ResolveContext): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.account;
    case 'AWS::Partition':
      return ctx.partition;
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::StackId':
      return `arn:${ctx.partition}:cloudformation:${ctx.region}:${ctx.account}:stack/${ctx.stackName}/00000000-0000-4000-8000-000000000000`;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    default:
      return undefined;
  }
}

function asString(v: unknown, where: string, fn: string, arg: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fail(where, fn, arg, `expected a string, got ${JSON.stringify(v)}`);
}

function resolveFn(fn: string, arg: unknown, ctx: ResolveContext, where: string): unknown {
  switch (fn) {
    case 'Ref': {
      if (typeof arg !== 'string') return fail(where, fn, arg, 'Ref takes a name');
      const p = pseudo(arg, ctx);
      if (p !== undefined) return p;
      if (arg === 'AWS::NoValue') return undefined;
      const r = ctx.ref(arg);
      if (r === undefined)
        return fail(where, fn, arg, `the sandbox does not know resource or parameter ${arg}`);
      return r;
    }
    case 'Fn::GetAtt': {
      const parts = typeof arg === 'string' ? arg.split('.') : arg;
      if (!Array.isArray(parts) || parts.length < 2)
        return fail(where, fn, arg, 'GetAtt takes [logicalId, attribute]');
      const [id, ...rest] = parts.map((x) => asString(resolveIntrinsics(x, ctx, where), where, fn, arg));
      const v = ctx.getAtt(id!, rest.join('.'));
      if (v === undefined)
        return fail(where, fn, arg, `the sandbox has no attribute ${rest.join('.')} of ${id}`);
      return v;
    }
    case 'Fn::Sub': {
      let text: unknown = arg;
      let vars: Record<string, unknown> = {};
      if (Array.isArray(arg)) {
        text = arg[0];
        vars = isRecord(arg[1]) ? arg[1] : {};
      }
      if (typeof text !== 'string') return fail(where, fn, arg, 'Sub takes a string');
      return text.replace(/\$\{([^}]*)\}/g, (whole, expr: string) => {
        if (expr.startsWith('!')) return `\${${expr.slice(1)}}`;
        if (Object.hasOwn(vars, expr))
          return asString(resolveIntrinsics(vars[expr], ctx, where), where, fn, arg);
        const p = pseudo(expr, ctx);
        if (p !== undefined) return p;
        const dot = expr.indexOf('.');
        const v = dot < 0 ? ctx.ref(expr) : ctx.getAtt(expr.slice(0, dot), expr.slice(dot + 1));
        if (v === undefined) return fail(where, fn, arg, `the sandbox cannot resolve ${String(whole)}`);
        return v;
      });
    }
    case 'Fn::Join': {
      if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
        return fail(where, fn, arg, 'Join takes [delimiter, [values]]');
      }
      const list = resolveIntrinsics(arg[1], ctx, where);
      if (!Array.isArray(list)) return fail(where, fn, arg, 'Join needs a list');
      return list.map((x) => asString(x, where, fn, arg)).join(arg[0]);
    }
    case 'Fn::Select': {
      if (!Array.isArray(arg) || arg.length !== 2) return fail(where, fn, arg, 'Select takes [index, list]');
      const idx = Number(resolveIntrinsics(arg[0], ctx, where));
      const list = resolveIntrinsics(arg[1], ctx, where);
      if (!Array.isArray(list) || !(idx in list)) return fail(where, fn, arg, 'index out of range');
      return list[idx];
    }
    case 'Fn::Split': {
      if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
        return fail(where, fn, arg, 'Split takes [delimiter, string]');
      }
      return asString(resolveIntrinsics(arg[1], ctx, where), where, fn, arg).split(arg[0]);
    }
    default:
      return fail(where, fn, arg, `${fn} is not supported by the sandbox`);
  }
}
