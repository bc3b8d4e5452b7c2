/**
 * Simulated SSM Parameter Store. Its operations are served under the `AmazonSSM` target prefix, so the SSM
 * service merges `parameterOperations(store)` into its own ServiceDef (or mount `parametersService(store)`
 * beside it: the server looks an operation up in every service with the same prefix).
 * Throughput (40 TPS shared by GetParameter/GetParameters/GetParametersByPath) is the rate limiter's job:
 * see PARAMETER_STORE_LIMITS in ../ratelimit.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AwsError, validation } from '../errors.ts';
import { createClock, type SimClock } from '../clock.ts';
import type { EventSink, Operation, ServiceDef } from '../types.ts';
import {
  decodeToken,
  encodeToken,
  objectList,
  optionalBoolean,
  optionalNumber,
  optionalString,
  requiredString,
  stringList,
} from './input.ts';

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type ParameterTier = 'Standard' | 'Advanced' | 'Intelligent-Tiering';

export interface ParameterVersion {
  name: string;
  type: ParameterType;
  value: string;
  /** What a SecureString read without WithDecryption returns (an opaque, KMS-looking blob). */
  ciphertext?: string;
  version: number;
  lastModified: Date;
  tier: ParameterTier;
  dataType: string;
  keyId?: string;
  description?: string;
  allowedPattern?: string;
  labels: string[];
}

export interface PutParameterRequest {
  name: string;
  value: string;
  type?: ParameterType;
  overwrite?: boolean;
  keyId?: string;
  description?: string;
  allowedPattern?: string;
  tier?: ParameterTier;
  dataType?: string;
  tags?: boolean;
}

export interface ParameterStore {
  readonly account: string;
  readonly region: string;
  put(request: PutParameterRequest): { version: number; tier: ParameterTier };
  /** `name`, `name:<version>` or `name:<label>`; throws ParameterNotFound / ParameterVersionNotFound. */
  get(nameWithSelector: string): ParameterVersion;
  history(name: string): ParameterVersion[];
  delete(name: string): void;
  names(): string[];
  arn(name: string): string;
}

export interface ParameterStoreOptions {
  account?: string;
  region?: string;
  clock?: SimClock;
  /** Event ids (default random); the sandbox account passes a seeded generator so runs repeat. */
  ids?: () => string;
  /** Receives `Parameter Store Change` events (Create / Update / Delete). */
  sink?: EventSink;
}

const TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString'];
const MAX_VERSIONS = 100;
const DEFAULT_KEY = 'alias/aws/ssm';

const notFound = (name: string): AwsError =>
  new AwsError('ParameterNotFound', `Parameter ${name} not found.`);

function validateName(name: string): void {
  if (name.length === 0 || name.length > 2048)
    throw validation('Parameter name must be 1 to 2048 characters long.');
  // Reserved: plain names starting with aws/ssm ('SSM-testparameter'), and the /aws/... and /ssm/... hierarchies.
  // A hierarchy whose first level merely starts with those letters ('/ssm-remediator/...') is allowed.
  if (name.startsWith('/') ? /^\/(aws|ssm)(\/|$)/i.test(name) : /^(aws|ssm)/i.test(name)) {
    throw validation('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
  }
  if (name.includes('/') && !name.startsWith('/'))
    throw validation('Parameter name must be a fully qualified name.');
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name)) {
    throw validation(
      'Parameter name: may only contain letters, numbers and the symbols .-_ (and / between hierarchy levels).',
    );
  }
}

function validateValue(value: string, tier: ParameterTier): void {
  if (value.length === 0)
    throw validation(
      "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  const max = tier === 'Standard' ? 4096 : 8192;
  if (value.length > max) {
    throw validation(
      tier === 'Standard'
        ? 'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.'
        : 'Advanced tier parameters support a maximum parameter value of 8192 characters.',
    );
  }
}

/** A deterministic KMS-ciphertext-looking blob (base64, starting like real SSM SecureString ciphertext). */
function fakeCiphertext(keyId: string, name: string, version: number, value: string): string {
  const bytes: Buffer[] = [Buffer.from([0x01, 0x02, 0x02, 0x00, 0x78])];
  let total = 5;
  let seed = `${keyId}|${name}|${version}|${value}`;
  while (total < Buffer.byteLength(value) + 150) {
    const block = createHash('sha256').update(seed).digest();
    bytes.push(block);
    total += block.length;
    seed = block.toString('hex');
  }
  return Buffer.concat(bytes).toString('base64');
}

function splitSelector(nameWithSelector: string): { name: string; selector?: string } {
  const colon = nameWithSelector.indexOf(':', 1);
  if (colon < 0) return { name: nameWithSelector };
  return { name: nameWithSelector.slice(0, colon), selector: nameWithSelector.slice(colon + 1) };
}

export function createParameterStore(opts: ParameterStoreOptions = {}): ParameterStore {
  const account = opts.account ?? '123456789012';
  const region = opts.region ?? 'us-east-1';
  const clock = opts.clock ?? createClock();
  const params = new Map<string, ParameterVersion[]>();

  const arn = (name: string): string =>
    `arn:aws:ssm:${region}:${account}:parameter/${name.replace(/^\//, '')}`;

  const emit = (operation: 'Create' | 'Update' | 'Delete', p: ParameterVersion): void => {
    opts.sink?.emit({
      version: '0',
      id: (opts.ids ?? randomUUID)(),
      'detail-type': 'Parameter Store Change',
      source: 'aws.ssm',
      account,
      time: clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [arn(p.name)],
      detail: { operation, name: p.name, type: p.type, description: p.description ?? '' },
    });
  };

  const put = (req: PutParameterRequest): { version: number; tier: ParameterTier } => {
    validateName(req.name);
    const versions = params.get(req.name);
    const latest = versions?.[versions.length - 1];
    if (latest && !req.overwrite) {
      throw new AwsError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    if (req.tags && req.overwrite) {
      throw validation(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag.",
      );
    }
    const type = req.type ?? latest?.type;
    if (type === undefined) throw validation('A parameter type is required when you create a parameter.');
    if (!TYPES.includes(type)) {
      throw validation(
        `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
      );
    }
    if (req.keyId !== undefined && type !== 'SecureString') {
      throw validation('KeyId can only be specified for SecureString parameters.');
    }
    const tier: ParameterTier =
      req.tier === 'Advanced' || latest?.tier === 'Advanced' ? 'Advanced' : 'Standard';
    validateValue(req.value, tier);
    const allowedPattern = req.allowedPattern ?? latest?.allowedPattern;
    if (allowedPattern !== undefined && !new RegExp(allowedPattern).test(req.value)) {
      throw new AwsError(
        'ParameterPatternMismatchException',
        `Parameter value failed to satisfy constraint specified in AllowedPattern: ${allowedPattern}`,
      );
    }
    const version = (latest?.version ?? 0) + 1;
    const entry: ParameterVersion = {
      name: req.name,
      type,
      value: req.value,
      version,
      lastModified: clock.now(),
      tier,
      dataType: req.dataType ?? latest?.dataType ?? 'text',
      labels: [],
    };
    if (type === 'SecureString') {
      entry.keyId = req.keyId ?? latest?.keyId ?? DEFAULT_KEY;
      entry.ciphertext = fakeCiphertext(entry.keyId, req.name, version, req.value);
    }
    const description = req.description ?? latest?.description;
    if (description !== undefined) entry.description = description;
    if (allowedPattern !== undefined) entry.allowedPattern = allowedPattern;
    const list = versions ?? [];
    list.push(entry);
    if (list.length > MAX_VERSIONS) list.shift();
    params.set(req.name, list);
    emit(latest ? 'Update' : 'Create', entry);
    return { version, tier };
  };

  const get = (nameWithSelector: string): ParameterVersion => {
    const { name, selector } = splitSelector(nameWithSelector);
    const versions = params.get(name);
    const latest = versions?.[versions.length - 1];
    if (!versions || !latest) throw notFound(name);
    if (selector === undefined) return latest;
    const found = /^\d+$/.test(selector)
      ? versions.find((v) => v.version === Number(selector))
      : versions.find((v) => v.labels.includes(selector));
    if (!found) {
      throw new AwsError(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`,
      );
    }
    return found;
  };

  const remove = (name: string): void => {
    const versions = params.get(name);
    const latest = versions?.[versions.length - 1];
    if (!latest) throw notFound(name);
    params.delete(name);
    emit('Delete', latest);
  };

  return {
    account,
    region,
    put,
    get,
    history: (name) => {
      const versions = params.get(name);
      if (!versions) throw notFound(name);
      return [...versions];
    },
    delete: remove,
    names: () => [...params.keys()].sort(),
    arn,
  };
}

/** The wire form of one parameter (`Parameter` shape); SecureString values stay encrypted unless decrypting. */
function toWire(
  store: ParameterStore,
  p: ParameterVersion,
  decrypt: boolean,
  selector?: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Name: p.name,
    Type: p.type,
    Value: p.type === 'SecureString' && !decrypt ? p.ciphertext : p.value,
    Version: p.version,
    LastModifiedDate: p.lastModified,
    ARN: store.arn(p.name),
    DataType: p.dataType,
  };
  if (selector !== undefined) out['Selector'] = `:${selector}`;
  return out;
}

function readTier(input: Record<string, unknown>): ParameterTier | undefined {
  const tier = optionalString(input, 'Tier');
  if (tier === undefined || tier === 'Standard' || tier === 'Advanced') return tier;
  if (tier === 'Intelligent-Tiering') return 'Standard';
  throw validation(
    `1 validation error detected: Value '${tier}' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]`,
  );
}

function readNames(input: Record<string, unknown>, max: number): string[] {
  const names = stringList(input, 'Names');
  if (!names)
    throw validation(
      "1 validation error detected: Value null at 'names' failed to satisfy constraint: Member must not be null",
    );
  if (names.length === 0 || names.length > max) {
    throw validation(
      `1 validation error detected: Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
  return names;
}

function isChildOf(name: string, path: string, recursive: boolean): boolean {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  if (!name.startsWith(prefix)) return false;
  return recursive || !name.slice(prefix.length).includes('/');
}

function typeFilter(input: Record<string, unknown>): (p: ParameterVersion) => boolean {
  const filters = objectList(input, 'ParameterFilters') ?? [];
  const typeValues = filters.find((f) => f['Key'] === 'Type')?.['Values'];
  if (!Array.isArray(typeValues)) return () => true;
  return (p) => typeValues.includes(p.type);
}

export function parameterOperations(store: ParameterStore): Record<string, Operation> {
  const GetParameter: Operation = (input) => {
    const name = requiredString(input, 'Name');
    const selector = name.indexOf(':', 1) > 0 ? name.slice(name.indexOf(':', 1) + 1) : undefined;
    const p = store.get(name);
    return { Parameter: toWire(store, p, optionalBoolean(input, 'WithDecryption') ?? false, selector) };
  };

  const GetParameters: Operation = (input) => {
    const decrypt = optionalBoolean(input, 'WithDecryption') ?? false;
    const Parameters: Array<Record<string, unknown>> = [];
    const InvalidParameters: string[] = [];
    for (const name of readNames(input, 10)) {
      try {
        const selector = name.indexOf(':', 1) > 0 ? name.slice(name.indexOf(':', 1) + 1) : undefined;
        Parameters.push(toWire(store, store.get(name), decrypt, selector));
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        InvalidParameters.push(name);
      }
    }
    return { Parameters, InvalidParameters };
  };

  const PutParameter: Operation = (input) => {
    const type = optionalString(input, 'Type');
    const tags = objectList(input, 'Tags');
    const result = store.put({
      name: requiredString(input, 'Name'),
      value: requiredString(input, 'Value'),
      type: type as ParameterType | undefined,
      overwrite: optionalBoolean(input, 'Overwrite') ?? false,
      keyId: optionalString(input, 'KeyId'),
      description: optionalString(input, 'Description'),
      allowedPattern: optionalString(input, 'AllowedPattern'),
      tier: readTier(input),
      dataType: optionalString(input, 'DataType'),
      tags: tags !== undefined && tags.length > 0,
    });
    return { Version: result.version, Tier: result.tier };
  };

  const DeleteParameter: Operation = (input) => {
    store.delete(requiredString(input, 'Name'));
    return {};
  };

  const DeleteParameters: Operation = (input) => {
    const DeletedParameters: string[] = [];
    const InvalidParameters: string[] = [];
    for (const name of readNames(input, 10)) {
      if (store.names().includes(name)) {
        store.delete(name);
        DeletedParameters.push(name);
      } else InvalidParameters.push(name);
    }
    return { DeletedParameters, InvalidParameters };
  };

  const GetParametersByPath: Operation = (input) => {
    const path = requiredString(input, 'Path');
    if (!path.startsWith('/')) throw validation('The parameter path must start with "/".');
    const recursive = optionalBoolean(input, 'Recursive') ?? false;
    const max = optionalNumber(input, 'MaxResults') ?? 10;
    if (max < 1 || max > 10)
      throw validation(
        `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10`,
      );
    const decrypt = optionalBoolean(input, 'WithDecryption') ?? false;
    const matching = store
      .names()
      .filter((n) => isChildOf(n, path, recursive))
      .map((n) => store.get(n))
      .filter(typeFilter(input));
    const start = decodeToken(optionalString(input, 'NextToken'));
    const page = matching.slice(start, start + max);
    const out: Record<string, unknown> = { Parameters: page.map((p) => toWire(store, p, decrypt)) };
    if (start + max < matching.length) out['NextToken'] = encodeToken(start + max);
    return out;
  };

  const GetParameterHistory: Operation = (input) => {
    const decrypt = optionalBoolean(input, 'WithDecryption') ?? false;
    const max = optionalNumber(input, 'MaxResults') ?? 50;
    const versions = store.history(requiredString(input, 'Name'));
    const start = decodeToken(optionalString(input, 'NextToken'));
    const page = versions.slice(start, start + max).map((p) => ({
      Name: p.name,
      Type: p.type,
      KeyId: p.keyId,
      LastModifiedDate: p.lastModified,
      LastModifiedUser: `arn:aws:iam::${store.account}:user/sandbox`,
      Description: p.description,
      Value: p.type === 'SecureString' && !decrypt ? p.ciphertext : p.value,
      AllowedPattern: p.allowedPattern,
      Version: p.version,
      Labels: p.labels,
      Tier: p.tier,
      Policies: [],
      DataType: p.dataType,
    }));
    const out: Record<string, unknown> = { Parameters: page };
    if (start + max < versions.length) out['NextToken'] = encodeToken(start + max);
    return out;
  };

  return {
    GetParameter,
    GetParameters,
    GetParametersByPath,
    GetParameterHistory,
    PutParameter,
    DeleteParameter,
    DeleteParameters,
  };
}

/** Parameter Store on its own, for mounting beside (or without) the SSM simulation. */
export function parametersService(store: ParameterStore): ServiceDef {
  return {
    name: 'ssm',
    protocol: 'json1.1',
    targetPrefix: 'AmazonSSM',
    internalErrorCode: 'InternalServerError',
    operations: parameterOperations(store),
  };
}
