import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { AwsError, validation } from '../errors.ts';
import type { Operation } from '../types.ts';
import type { SsmContext } from './util.ts';
import {
  checkMaxResults,
  epoch,
  fingerprint,
  isRecord,
  optArray,
  optFilters,
  optNumber,
  optString,
  Pager,
  reqString,
} from './util.ts';

export type DocumentType = 'Command' | 'Automation' | 'ChangeCalendar' | (string & {});
export type DocumentFormat = 'JSON' | 'YAML' | 'TEXT';

export interface ParamDef {
  type: string;
  description?: string;
  default?: unknown;
  allowedValues?: string[];
  allowedPattern?: string;
  minItems?: number;
  maxItems?: number;
  minChars?: number;
  maxChars?: number;
}

export interface DocStep {
  name: string;
  action: string;
  /** From `precondition: {StringEquals: [platformType, X]}`: the step only runs on that platform. */
  platformType?: string;
}

export interface DocVersion {
  version: string;
  content: string;
  format: DocumentFormat;
  schemaVersion?: string;
  description?: string;
  parameters: Record<string, ParamDef>;
  steps: DocStep[];
  outputs: string[];
  createdDate: Date;
  hash: string;
}

export interface SsmDocument {
  name: string;
  documentType: DocumentType;
  /** 'Amazon' for AWS-owned documents, the account id otherwise. */
  owner: string;
  versions: DocVersion[];
  defaultVersion: string;
  tags: { Key: string; Value: string }[];
}

export const MAX_DOCUMENT_BYTES = 64 * 1024;
const RESERVED_PREFIXES = ['aws', 'amazon', 'amzn', 'AWSEC2', 'AWSConfigRemediation', 'AWSSupport'];
const NAME_RE = /^[a-zA-Z0-9_\-.]{3,128}$/;
/** ListDocuments filter keys besides `tag:<key>` (Filters; DocumentFilterList takes the first four). */
const DOCUMENT_FILTER_KEYS = [
  'Name',
  'Owner',
  'PlatformTypes',
  'DocumentType',
  'TargetType',
  'SearchKeyword',
];

/** Hook the calendar module uses to reject bad iCalendar text at CreateDocument/UpdateDocument. */
export type ContentCheck = (content: string) => string | undefined;

export class DocumentStore {
  private readonly docs = new Map<string, SsmDocument>();
  private readonly checks = new Map<string, ContentCheck>();
  private readonly listeners: ((doc: SsmDocument) => void)[] = [];
  private readonly pager: Pager;

  constructor(private readonly ctx: SsmContext) {
    this.pager = new Pager(ctx.uuid);
  }

  /** Extra content validation for a document type (ChangeCalendar → iCalendar parse). */
  registerContentCheck(type: DocumentType, check: ContentCheck): void {
    this.checks.set(type, check);
  }

  /** Called after a document is created or gets a new default version. */
  onChange(fn: (doc: SsmDocument) => void): void {
    this.listeners.push(fn);
  }

  arn(doc: SsmDocument): string {
    const acct = doc.owner === 'Amazon' ? '' : this.ctx.account;
    return `arn:aws:ssm:${this.ctx.region}:${acct}:document/${doc.name}`;
  }

  /** Look a document up by name or document ARN. */
  get(nameOrArn: string): SsmDocument | undefined {
    const m = /^arn:aws[\w-]*:ssm:[^:]*:[^:]*:document\/(.+)$/.exec(nameOrArn);
    return this.docs.get(m?.[1] ?? nameOrArn);
  }

  all(): SsmDocument[] {
    return [...this.docs.values()];
  }

  /** `$DEFAULT` (or undefined), `$LATEST` or a version number. */
  version(doc: SsmDocument, spec?: string): DocVersion | undefined {
    if (spec === undefined || spec === '' || spec === '$DEFAULT')
      return doc.versions.find((v) => v.version === doc.defaultVersion);
    if (spec === '$LATEST') return doc.versions[doc.versions.length - 1];
    return doc.versions.find((v) => v.version === spec);
  }

  /**
   * Parse and validate content for a type/format. Throws AWS's CreateDocument errors.
   */
  parseContent(
    content: string,
    type: DocumentType,
    format: DocumentFormat,
  ): Omit<DocVersion, 'version' | 'createdDate'> {
    if (Buffer.byteLength(content, 'utf8') > MAX_DOCUMENT_BYTES)
      throw new AwsError('MaxDocumentSizeExceeded', 'The size limit of a document is 64 KB.');
    const hash = createHash('sha256').update(content).digest('hex');
    if (type === 'ChangeCalendar') {
      if (format !== 'TEXT')
        throw new AwsError('InvalidDocumentContent', 'ChangeCalendar documents must use the TEXT format.');
      const err = this.checks.get(type)?.(content);
      if (err) throw new AwsError('InvalidDocumentContent', err);
      return { content, format, parameters: {}, steps: [], outputs: [], hash };
    }
    if (format === 'TEXT')
      throw new AwsError('InvalidDocumentContent', `The TEXT format isn't supported for ${type} documents.`);
    let body: unknown;
    try {
      body = format === 'YAML' ? parseYaml(content) : JSON.parse(content);
    } catch (e) {
      throw new AwsError(
        'InvalidDocumentContent',
        `The content for the document isn't valid: ${(e as Error).message}`,
      );
    }
    if (!isRecord(body))
      throw new AwsError('InvalidDocumentContent', "The content for the document isn't valid.");
    const schemaVersion = typeof body.schemaVersion === 'string' ? body.schemaVersion : undefined;
    if (schemaVersion === undefined)
      throw new AwsError('InvalidDocumentContent', 'schemaVersion is required.');
    const parameters = parseParameters(body.parameters, type);
    let steps: DocStep[] = [];
    if (type === 'Automation') {
      if (schemaVersion !== '0.3')
        throw new AwsError(
          'InvalidDocumentSchemaVersion',
          `Schema version ${schemaVersion} isn't supported for Automation documents. Use 0.3.`,
        );
      steps = parseSteps(body.mainSteps);
    } else if (type === 'Command') {
      if (schemaVersion === '1.2') {
        if (!isRecord(body.runtimeConfig) || Object.keys(body.runtimeConfig).length === 0)
          throw new AwsError('InvalidDocumentContent', 'runtimeConfig is required for schema version 1.2.');
        steps = Object.keys(body.runtimeConfig).map((k) => ({ name: k, action: k }));
      } else if (schemaVersion === '2.0' || schemaVersion === '2.2') {
        steps = parseSteps(body.mainSteps);
      } else {
        throw new AwsError(
          'InvalidDocumentSchemaVersion',
          `Schema version ${schemaVersion} isn't supported for Command documents.`,
        );
      }
    }
    const outputs = Array.isArray(body.outputs)
      ? body.outputs.filter((o): o is string => typeof o === 'string')
      : [];
    const description = typeof body.description === 'string' ? body.description : undefined;
    return { content, format, schemaVersion, description, parameters, steps, outputs, hash };
  }

  /** Create (or, with `replace`, overwrite) a document. Bypasses the reserved-prefix rule (for AWS-owned docs). */
  put(args: {
    name: string;
    content: string;
    type: DocumentType;
    format?: DocumentFormat;
    owner?: string;
    tags?: { Key: string; Value: string }[];
    replace?: boolean;
  }): SsmDocument {
    if (!args.replace && this.docs.has(args.name))
      throw new AwsError('DocumentAlreadyExists', 'The specified document already exists.');
    const parsed = this.parseContent(args.content, args.type, args.format ?? 'JSON');
    const doc: SsmDocument = {
      name: args.name,
      documentType: args.type,
      owner: args.owner ?? this.ctx.account,
      versions: [{ ...parsed, version: '1', createdDate: this.ctx.clock.now() }],
      defaultVersion: '1',
      tags: args.tags ?? [],
    };
    this.docs.set(args.name, doc);
    this.changed(doc);
    return doc;
  }

  /** Add a new version; `makeDefault` moves the default version to it. */
  addVersion(doc: SsmDocument, content: string, format: DocumentFormat, makeDefault: boolean): DocVersion {
    const parsed = this.parseContent(content, doc.documentType, format);
    if (doc.versions.some((v) => v.hash === parsed.hash))
      throw new AwsError(
        'DuplicateDocumentContent',
        'The content of the association document matches another document.',
      );
    const v: DocVersion = {
      ...parsed,
      version: String(doc.versions.length + 1),
      createdDate: this.ctx.clock.now(),
    };
    doc.versions.push(v);
    if (makeDefault) doc.defaultVersion = v.version;
    if (makeDefault) this.changed(doc);
    return v;
  }

  setDefaultVersion(doc: SsmDocument, version: string): void {
    doc.defaultVersion = version;
    this.changed(doc);
  }

  private changed(doc: SsmDocument): void {
    for (const l of this.listeners) l(doc);
  }

  describe(doc: SsmDocument, v: DocVersion): Record<string, unknown> {
    const latest = doc.versions[doc.versions.length - 1];
    return {
      Name: doc.name,
      Hash: v.hash,
      HashType: 'Sha256',
      Owner: doc.owner,
      CreatedDate: epoch(v.createdDate),
      Status: 'Active',
      DocumentVersion: v.version,
      Description: v.description,
      Parameters: Object.entries(v.parameters).map(([name, p]) => ({
        Name: name,
        Type: p.type,
        Description: p.description,
        DefaultValue:
          p.default === undefined
            ? undefined
            : Array.isArray(p.default)
              ? JSON.stringify(p.default)
              : String(p.default),
      })),
      PlatformTypes: platformTypes(doc),
      DocumentType: doc.documentType,
      SchemaVersion: v.schemaVersion,
      LatestVersion: latest?.version,
      DefaultVersion: doc.defaultVersion,
      DocumentFormat: v.format,
      Tags: doc.tags,
    };
  }

  /** A document as ListDocuments shows it (its default version). */
  identifier(doc: SsmDocument): Record<string, unknown> {
    const v = this.version(doc);
    return {
      Name: doc.name,
      CreatedDate: epoch(doc.versions[0]?.createdDate),
      Owner: doc.owner,
      PlatformTypes: platformTypes(doc),
      DocumentVersion: v?.version,
      DocumentType: doc.documentType,
      SchemaVersion: v?.schemaVersion,
      DocumentFormat: v?.format,
      Tags: doc.tags,
    };
  }

  /** Does a document pass one ListDocuments filter? (`Owner`: Self, Amazon, Private, Public, All.) */
  private matches(doc: SsmDocument, key: string, values: string[]): boolean {
    if (key.startsWith('tag:')) {
      const tag = doc.tags.find((t) => t.Key === key.slice(4));
      return tag !== undefined && (values.length === 0 || values.includes(tag.Value));
    }
    switch (key) {
      case 'Owner':
        return values.some((o) =>
          o === 'Self' || o === 'Private'
            ? doc.owner === this.ctx.account
            : o === 'Amazon' || o === 'Public'
              ? doc.owner === 'Amazon'
              : o === 'All' || o === doc.owner,
        );
      case 'Name':
        return values.some((n) => doc.name.startsWith(n));
      case 'PlatformTypes':
        return values.some((p) => platformTypes(doc).includes(p));
      case 'DocumentType':
        return values.includes(doc.documentType);
      case 'SearchKeyword':
        return values.some((w) => doc.name.toLowerCase().includes(w.toLowerCase()));
      default:
        return values.length === 0;
    }
  }

  /** Register the project's own YAML documents (`<dir>/*.yaml`, name = file name). Returns the names. */
  loadFromDir(dir: string): string[] {
    if (!existsSync(dir)) return [];
    const names: string[] = [];
    for (const f of readdirSync(dir).sort()) {
      const ext = extname(f);
      if (ext !== '.yaml' && ext !== '.yml') continue;
      const content = readFileSync(join(dir, f), 'utf8');
      const body: unknown = parseYaml(content);
      const schema = isRecord(body) ? body.schemaVersion : undefined;
      const type: DocumentType = schema === '0.3' ? 'Automation' : 'Command';
      const name = basename(f, ext);
      this.put({ name, content, type, format: 'YAML', replace: true });
      names.push(name);
    }
    return names;
  }

  operations(): Record<string, Operation> {
    return {
      CreateDocument: (input) => {
        const content = reqString(input, 'Content');
        const name = reqString(input, 'Name');
        if (!NAME_RE.test(name))
          throw validation(
            `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{3,128}$`,
          );
        if (RESERVED_PREFIXES.some((p) => name.toLowerCase().startsWith(p.toLowerCase())))
          throw validation(
            `Document name can't begin with any of the reserved prefixes: ${RESERVED_PREFIXES.join(', ')}.`,
          );
        const type = (optString(input, 'DocumentType') ?? 'Command') as DocumentType;
        const format = (optString(input, 'DocumentFormat') ?? 'JSON') as DocumentFormat;
        if (!['JSON', 'YAML', 'TEXT'].includes(format)) throw validation(`Invalid DocumentFormat ${format}`);
        const tags = (optArray(input, 'Tags') ?? [])
          .filter(isRecord)
          .map((t) => ({ Key: String(t.Key), Value: String(t.Value) }));
        const doc = this.put({ name, content, type, format, tags });
        const v = this.version(doc);
        return { DocumentDescription: v ? this.describe(doc, v) : undefined };
      },
      DescribeDocument: (input) => {
        const { doc, v } = this.lookup(input);
        return { Document: this.describe(doc, v) };
      },
      GetDocument: (input) => {
        const { doc, v } = this.lookup(input);
        const format = (optString(input, 'DocumentFormat') ?? v.format) as DocumentFormat;
        if (!['JSON', 'YAML', 'TEXT'].includes(format)) throw validation(`Invalid DocumentFormat ${format}`);
        return {
          Name: doc.name,
          CreatedDate: epoch(v.createdDate),
          DocumentVersion: v.version,
          Status: 'Active',
          Content: convertContent(v, format),
          DocumentType: doc.documentType,
          DocumentFormat: format,
        };
      },
      ListDocuments: (input) => {
        const filters = [
          ...(optFilters(input, 'Filters') ?? []),
          // The deprecated DocumentFilterList: [{ key, value }], one value each.
          ...(optArray(input, 'DocumentFilterList') ?? []).map((f) => {
            if (!isRecord(f) || typeof f.key !== 'string' || typeof f.value !== 'string')
              throw validation(
                "1 validation error detected: Value at 'documentFilterList' failed to satisfy constraint: Member must have a key and a value",
              );
            return { key: f.key, values: [f.value] };
          }),
        ];
        const bad = filters.find((f) => !DOCUMENT_FILTER_KEYS.includes(f.key) && !f.key.startsWith('tag:'));
        if (bad) throw new AwsError('InvalidFilterKey', `The filter key ${bad.key} is not valid.`);
        const maxResults = checkMaxResults(optNumber(input, 'MaxResults'), 1, 50, 50);
        const list = this.all()
          .filter((d) => filters.every((f) => this.matches(d, f.key, f.values)))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const scope = `ListDocuments:${fingerprint(filters)}:${maxResults}`;
        const page = this.pager.page(list, scope, maxResults, optString(input, 'NextToken'));
        return { DocumentIdentifiers: page.items.map((d) => this.identifier(d)), NextToken: page.next };
      },
      UpdateDocument: (input) => {
        const name = reqString(input, 'Name');
        const content = reqString(input, 'Content');
        const doc = this.get(name);
        if (!doc) throw new AwsError('InvalidDocument', `Document with name ${name} does not exist.`);
        if (doc.owner === 'Amazon')
          throw new AwsError('InvalidDocument', 'AWS-owned documents cannot be updated.');
        const spec = optString(input, 'DocumentVersion');
        if (
          spec !== undefined &&
          spec !== '$LATEST' &&
          spec !== doc.versions[doc.versions.length - 1]?.version
        )
          throw new AwsError(
            'InvalidDocumentVersion',
            'The document version is not valid or does not exist.',
          );
        const format = (optString(input, 'DocumentFormat') ??
          this.version(doc, '$LATEST')?.format ??
          'JSON') as DocumentFormat;
        const v = this.addVersion(doc, content, format, false);
        return { DocumentDescription: this.describe(doc, v) };
      },
      UpdateDocumentDefaultVersion: (input) => {
        const name = reqString(input, 'Name');
        const version = reqString(input, 'DocumentVersion');
        const doc = this.get(name);
        if (!doc) throw new AwsError('InvalidDocument', `Document with name ${name} does not exist.`);
        if (!this.version(doc, version))
          throw new AwsError(
            'InvalidDocumentVersion',
            'The document version is not valid or does not exist.',
          );
        this.setDefaultVersion(doc, version);
        return { Description: { Name: doc.name, DefaultVersion: version } };
      },
    };
  }

  private lookup(input: Record<string, unknown>): { doc: SsmDocument; v: DocVersion } {
    const name = reqString(input, 'Name');
    const doc = this.get(name);
    if (!doc) throw new AwsError('InvalidDocument', `Document with name ${name} does not exist.`);
    const v = this.version(doc, optString(input, 'DocumentVersion'));
    if (!v)
      throw new AwsError('InvalidDocumentVersion', 'The document version is not valid or does not exist.');
    return { doc, v };
  }
}

const platformTypes = (doc: SsmDocument): string[] =>
  doc.documentType === 'Command' ? ['Windows', 'Linux', 'MacOS'] : [];

/** GetDocument's `DocumentFormat`: the content re-serialized as JSON or YAML (TEXT only as stored). */
function convertContent(v: DocVersion, format: DocumentFormat): string {
  if (format === v.format) return v.content;
  if (format === 'TEXT' || v.format === 'TEXT')
    throw validation(`A ${v.format} document can't be returned in the ${format} format.`);
  const body: unknown = v.format === 'YAML' ? parseYaml(v.content) : JSON.parse(v.content);
  return format === 'YAML' ? stringifyYaml(body) : JSON.stringify(body, null, 2);
}

function parseParameters(raw: unknown, type: DocumentType): Record<string, ParamDef> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw new AwsError('InvalidDocumentContent', 'parameters must be a map.');
  const out: Record<string, ParamDef> = {};
  for (const [name, def] of Object.entries(raw)) {
    if (!isRecord(def) || typeof def.type !== 'string')
      throw new AwsError('InvalidDocumentContent', `Parameter ${name} must declare a type.`);
    if (
      type === 'Command' &&
      !['String', 'StringList', 'Boolean', 'Integer', 'StringMap', 'MapList'].includes(def.type)
    )
      throw new AwsError('InvalidDocumentContent', `Parameter ${name} has an unsupported type ${def.type}.`);
    if (def.allowedPattern !== undefined) {
      try {
        new RegExp(String(def.allowedPattern));
      } catch {
        throw new AwsError('InvalidDocumentContent', `Parameter ${name} has an invalid allowedPattern.`);
      }
    }
    out[name] = {
      type: def.type,
      description: typeof def.description === 'string' ? def.description : undefined,
      default: def.default,
      allowedValues: Array.isArray(def.allowedValues) ? def.allowedValues.map(String) : undefined,
      allowedPattern: def.allowedPattern === undefined ? undefined : String(def.allowedPattern),
      minItems: typeof def.minItems === 'number' ? def.minItems : undefined,
      maxItems: typeof def.maxItems === 'number' ? def.maxItems : undefined,
      minChars: typeof def.minChars === 'number' ? def.minChars : undefined,
      maxChars: typeof def.maxChars === 'number' ? def.maxChars : undefined,
    };
  }
  return out;
}

function parseSteps(raw: unknown): DocStep[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new AwsError('InvalidDocumentContent', 'mainSteps is required and must not be empty.');
  const seen = new Set<string>();
  return raw.map((s) => {
    if (!isRecord(s) || typeof s.name !== 'string' || typeof s.action !== 'string')
      throw new AwsError('InvalidDocumentContent', 'Each step needs a name and an action.');
    if (!/^[a-zA-Z0-9_]+$/.test(s.name))
      throw new AwsError('InvalidDocumentContent', `Step name ${s.name} isn't valid.`);
    if (seen.has(s.name)) throw new AwsError('InvalidDocumentContent', `Duplicate step name ${s.name}.`);
    seen.add(s.name);
    const pre = isRecord(s.precondition) ? s.precondition.StringEquals : undefined;
    const platformType =
      Array.isArray(pre) && pre[0] === 'platformType' && typeof pre[1] === 'string' ? pre[1] : undefined;
    return { name: s.name, action: s.action, platformType };
  });
}

/**
 * Check call parameters against the declared ones and fill in defaults. `code` is the error AWS uses
 * for the calling API (`InvalidAutomationExecutionParametersException` / `InvalidParameters`).
 */
export function validateParameters(
  v: DocVersion,
  given: Record<string, string[]> | undefined,
  code: string,
): Record<string, string[]> {
  const fail = (msg: string): never => {
    throw new AwsError(code, msg);
  };
  const params = given ?? {};
  const undeclared = Object.keys(params).filter((k) => !(k in v.parameters));
  if (undeclared.length > 0)
    fail(
      code === 'InvalidParameters'
        ? `You can only supply values to parameters defined in the SSM document. Undefined: ${undeclared.join(', ')}`
        : `Parameters ${JSON.stringify(undeclared)} are not defined in the document.`,
    );
  const resolved: Record<string, string[]> = {};
  const missing: string[] = [];
  for (const [name, def] of Object.entries(v.parameters)) {
    let values = params[name];
    if (values === undefined) {
      if (def.default === undefined) {
        missing.push(name);
        continue;
      }
      values = Array.isArray(def.default)
        ? def.default.map(String)
        : [typeof def.default === 'string' ? def.default : JSON.stringify(def.default)];
      resolved[name] = values;
      continue;
    }
    if (def.type === 'String' || def.type === 'Integer' || def.type === 'Boolean') {
      if (values.length !== 1)
        fail(`Parameter "${name}" is of type ${def.type} and requires exactly one value.`);
    }
    if (def.type === 'Integer' && !values.every((x) => /^-?\d+$/.test(x)))
      fail(`Parameter "${name}" must be an Integer.`);
    if (def.type === 'Boolean' && !values.every((x) => x === 'true' || x === 'false'))
      fail(`Parameter "${name}" must be a Boolean.`);
    if (def.minItems !== undefined && values.length < def.minItems)
      fail(`Parameter "${name}" needs at least ${def.minItems} items.`);
    if (def.maxItems !== undefined && values.length > def.maxItems)
      fail(`Parameter "${name}" allows at most ${def.maxItems} items.`);
    for (const x of values) {
      if (def.allowedValues && !def.allowedValues.includes(x))
        fail(
          `Parameter "${name}" value "${x}" is not one of the allowed values ${JSON.stringify(def.allowedValues)}.`,
        );
      // AWS checks allowedPattern as a search (Java regex), so an unanchored pattern lets extra text through.
      if (def.allowedPattern !== undefined && !new RegExp(def.allowedPattern).test(x))
        fail(`Parameter "${name}" value "${x}" does not match the allowed pattern ${def.allowedPattern}.`);
      if (def.minChars !== undefined && x.length < def.minChars)
        fail(`Parameter "${name}" value is shorter than ${def.minChars}.`);
      if (def.maxChars !== undefined && x.length > def.maxChars)
        fail(`Parameter "${name}" value is longer than ${def.maxChars}.`);
    }
    resolved[name] = values;
  }
  if (missing.length > 0)
    fail(
      code === 'InvalidParameters'
        ? `You must specify values for all required parameters in the SSM document. Missing: ${missing.join(', ')}`
        : `Parameters ${JSON.stringify(missing)} are required but were not provided.`,
    );
  return resolved;
}

// ---- AWS-owned documents the service uses (parameters as AWS-FACTS §6 lists them) ----------------

const ROLE = {
  type: 'String',
  description: '(Optional) The ARN of the role that allows Automation to perform the actions on your behalf.',
  default: '',
  allowedPattern: '^arn:aws[a-z0-9-]*:iam::\\d{12}:role\\/[\\w+=,.@/-]+$|^$',
};
const ROLE_REQUIRED = {
  type: 'AWS::IAM::Role::Arn',
  description: '(Required) The ARN of the role that allows Automation to perform the actions on your behalf.',
  allowedPattern: '^arn:aws[a-z0-9-]*:iam::\\d{12}:role\\/[\\w+=,.@/-]+$',
};

function automation(
  parameters: Record<string, unknown>,
  steps: [string, string][],
  outputs: string[] = [],
): string {
  return JSON.stringify({
    schemaVersion: '0.3',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters,
    mainSteps: steps.map(([name, action]) => ({ name, action, inputs: {} })),
    outputs,
  });
}

export const AWS_OWNED_DOCUMENTS: { name: string; type: DocumentType; content: string }[] = [
  {
    name: 'AWS-DisablePublicAccessForSecurityGroup',
    type: 'Automation',
    content: automation(
      {
        GroupId: {
          type: 'String',
          description: '(Required) The resource ID of the security group.',
          allowedPattern: '^sg-[a-z0-9]{8,17}$',
        },
        IpAddressToBlock: {
          type: 'String',
          description: '(Optional) Additional IPv4 or IPv6 address to block.',
          default: '',
        },
        AutomationAssumeRole: ROLE,
      },
      [
        ['DisableIncomingSSHTemplate', 'aws:executeAwsApi'],
        ['DisableIncomingRDPTemplate', 'aws:executeAwsApi'],
      ],
    ),
  },
  {
    name: 'AWS-DisableS3BucketPublicReadWrite',
    type: 'Automation',
    content: automation(
      {
        S3BucketName: { type: 'String', description: '(Required) S3 Bucket subject to access restriction.' },
        AutomationAssumeRole: ROLE,
      },
      [['DisableS3BucketPublicReadWrite', 'aws:executeAwsApi']],
    ),
  },
  {
    name: 'AWS-EnableS3BucketEncryption',
    type: 'Automation',
    content: automation(
      {
        BucketName: {
          type: 'String',
          description: '(Required) The name of the S3 Bucket whose content will be encrypted.',
        },
        SSEAlgorithm: { type: 'String', default: 'AES256', allowedValues: ['AES256', 'aws:kms'] },
        AutomationAssumeRole: ROLE,
      },
      [['PutBucketEncryption', 'aws:executeAwsApi']],
    ),
  },
  {
    name: 'AWSConfigRemediation-EnableS3BucketEncryption',
    type: 'Automation',
    content: automation(
      {
        BucketName: { type: 'AWS::S3::Bucket::Name', description: '(Required) The name of the S3 bucket.' },
        SSEAlgorithm: { type: 'String', default: 'AES256', allowedValues: ['AES256', 'aws:kms'] },
        KMSMasterKeyID: { type: 'String', default: '' },
        AutomationAssumeRole: ROLE_REQUIRED,
      },
      [
        ['PutBucketEncryption', 'aws:executeAwsApi'],
        ['GetBucketEncryption', 'aws:assertAwsResourceProperty'],
      ],
    ),
  },
  {
    name: 'AWS-ConfigureS3BucketVersioning',
    type: 'Automation',
    content: automation(
      {
        BucketName: { type: 'String', description: '(Required) The name of the S3 bucket.' },
        VersioningState: { type: 'String', default: 'Enabled', allowedValues: ['Enabled', 'Suspended'] },
        AutomationAssumeRole: ROLE,
      },
      [['ConfigureVersioning', 'aws:executeAwsApi']],
    ),
  },
  {
    name: 'AWSConfigRemediation-RemoveUnrestrictedSourceIngressRules',
    type: 'Automation',
    content: automation(
      {
        SecurityGroupId: {
          type: 'String',
          description: '(Required) The ID of the security group.',
          allowedPattern: '^sg-[a-z0-9]+$',
        },
        AutomationAssumeRole: ROLE_REQUIRED,
      },
      [
        ['RemoveUnrestrictedIngressRules', 'aws:executeScript'],
        ['VerifyUnrestrictedIngressRulesRemoved', 'aws:executeScript'],
      ],
    ),
  },
  {
    name: 'AWSSupport-TroubleshootManagedInstance',
    type: 'Automation',
    content: automation(
      {
        InstanceId: {
          type: 'AWS::EC2::Instance::Id',
          description: '(Required) The ID of the instance.',
          allowedPattern: '^i-[a-z0-9]{8,17}$|^mi-[a-z0-9]{17}$',
        },
        AutomationAssumeRole: ROLE,
      },
      [
        ['assertInstanceIsWindows', 'aws:branch'],
        ['getInstanceProperties', 'aws:executeAwsApi'],
        ['checkVpcEndpoints', 'aws:executeScript'],
        ['generateReport', 'aws:executeScript'],
      ],
      ['generateReport.output'],
    ),
  },
  {
    name: 'AWS-RestartEC2Instance',
    type: 'Automation',
    content: automation(
      {
        InstanceId: { type: 'StringList', description: '(Required) EC2 Instance(s) to restart' },
        AutomationAssumeRole: ROLE,
      },
      [
        ['stopInstances', 'aws:changeInstanceState'],
        ['startInstances', 'aws:changeInstanceState'],
      ],
    ),
  },
  {
    name: 'AWS-RunPatchBaseline',
    type: 'Command',
    content: JSON.stringify({
      schemaVersion: '2.2',
      description: 'Scans for or installs patches from a patch baseline to a Linux, macOS or Windows node.',
      parameters: {
        Operation: {
          type: 'String',
          description: '(Required) Scan or Install.',
          allowedValues: ['Scan', 'Install'],
        },
        SnapshotId: {
          type: 'String',
          default: '',
          allowedPattern:
            '(^$)|^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$',
        },
        InstallOverrideList: {
          type: 'String',
          default: '',
          allowedPattern: '(^https://.+$)|(^s3://([^/]+)/(.*?([^/]+))$)|(^$)',
        },
        BaselineOverride: { type: 'String', default: '' },
        RebootOption: {
          type: 'String',
          default: 'RebootIfNeeded',
          allowedValues: ['RebootIfNeeded', 'NoReboot'],
        },
        AssociationId: { type: 'String', default: '' },
      },
      mainSteps: [
        {
          action: 'aws:runPowerShellScript',
          name: 'PatchWindows',
          precondition: { StringEquals: ['platformType', 'Windows'] },
          inputs: {},
        },
        {
          action: 'aws:runShellScript',
          name: 'PatchLinux',
          precondition: { StringEquals: ['platformType', 'Linux'] },
          inputs: {},
        },
        {
          action: 'aws:runShellScript',
          name: 'PatchMacOS',
          precondition: { StringEquals: ['platformType', 'MacOS'] },
          inputs: {},
        },
      ],
    }),
  },
  {
    name: 'AWS-RunShellScript',
    type: 'Command',
    content: JSON.stringify({
      schemaVersion: '1.2',
      description: 'Run a shell script or specify the commands to run.',
      parameters: {
        commands: {
          type: 'StringList',
          description: '(Required) Specify a shell script or a command to run.',
          minItems: 1,
        },
        workingDirectory: { type: 'String', default: '' },
        executionTimeout: {
          type: 'String',
          default: '3600',
          allowedPattern: '([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)',
        },
      },
      runtimeConfig: {
        'aws:runShellScript': { properties: [{ id: '0.aws:runShellScript', runCommand: '{{ commands }}' }] },
      },
    }),
  },
  {
    // The document State Manager associations most often run (Inventory); associations' sandbox default.
    name: 'AWS-GatherSoftwareInventory',
    type: 'Command',
    content: JSON.stringify({
      schemaVersion: '2.0',
      description: 'Software Inventory Policy Document.',
      parameters: {
        applications: { type: 'String', default: 'Enabled', allowedValues: ['Enabled', 'Disabled'] },
      },
      mainSteps: [{ action: 'aws:softwareInventory', name: 'collectSoftwareInventoryItems', inputs: {} }],
    }),
  },
];
