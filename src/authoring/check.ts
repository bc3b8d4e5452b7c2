/**
 * `remediator check`: everything a runbook author can get wrong, found before deploy. Pure: it takes
 * the loaded remediation files, the document files' text and the dry-run functions (from the same
 * bundle as the remediations, so error classes match), and returns problems that each name the file
 * and the field.
 */
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ID_PATTERNS } from '../model/ids.ts';
import { parseFinding } from '../events/finding.ts';
import { RESOURCE_ARNS } from '../core/resource-arns.ts';
import { permissionAction } from '../core/permissions.ts';
import { durationMs } from '../model/duration.ts';
import type { Remediation, RemediationExample } from '../core/remediation.ts';
import { MODES, TRIGGER_FAMILIES, type Action } from '../model/types.ts';
import type { AwsDocument } from '../runbooks/_aws-documents.ts';
import { resourceTypeOfRule } from './config-rules.ts';
import { checkDocument, type DocumentSpec, type DocumentType } from './documents.ts';
import { checkPermission } from './permission.ts';
import type { Problem } from './problem.ts';
import type { Tainted } from './taint.ts';

export interface LoadedRunbook {
  /** Relative to the project root, e.g. `src/runbooks/restricted-ssh.ts`. */
  file: string;
  /** The file's default export (not yet known to be a remediation). */
  remediation?: unknown;
  /** Why the file could not be loaded (the import threw, e.g. defineRemediation refused the id). */
  error?: string;
}

export interface CheckInput {
  runbooks: LoadedRunbook[];
  /** The YAML files in src/runbooks/documents/, relative to src/runbooks/ (`documents/X.yaml`). */
  documentFiles: string[];
  /** Reads a file relative to src/runbooks/; undefined when it does not exist. */
  readRunbookFile(path: string): string | undefined;
  awsDocuments: Readonly<Record<string, AwsDocument>>;
  /** core/dry-run runExample, from the remediations' own bundle. */
  runExample(r: Remediation, ex: RemediationExample): string[];
  /** The actions the plan returns for the example's event in auto mode with an assume role set. */
  planActions(r: Remediation, ex: RemediationExample): Action[];
  /** Where the plan passes one of the example's event values to a parameter unvalidated (taint.ts). */
  taintedByExample?(r: Remediation, ex: RemediationExample): Tainted[];
}

/** Names SSM reserves for AWS (case-insensitive); our documents may not start with them (AWS-FACTS §5). */
export const RESERVED_PREFIXES = ['aws', 'amazon', 'amzn', 'AWSEC2', 'AWSConfigRemediation', 'AWSSupport'];

const PERMISSION_FOR: Record<'startAutomation' | 'sendCommand', { permission: string; type: DocumentType }> =
  {
    startAutomation: { permission: 'ssm:StartAutomationExecution', type: 'Automation' },
    sendCommand: { permission: 'ssm:SendCommand', type: 'Command' },
  };

const RUNBOOKS_DIR = 'src/runbooks';
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

type Acting = Extract<Action, { kind: 'startAutomation' | 'sendCommand' }>;
const isActing = (a: Action): a is Acting => a.kind === 'startAutomation' || a.kind === 'sendCommand';
const q = (v: unknown) => JSON.stringify(v ?? null);
/** Text a scaffold or a draft leaves for the author to replace. */
const PLACEHOLDER = /\b(TODO|FIXME|TBD|XXX)\b|lorem ipsum|<[a-z][a-z -]*>/i;

export function checkRemediations(input: CheckInput): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map<string, string[]>();
  /** Our documents: name → where first declared, and the spec read from its file. */
  const ours = new Map<string, { file: string; type: DocumentType; by: string; spec?: DocumentSpec }>();
  const checkedDocs = new Set<string>();

  for (const loaded of input.runbooks) {
    const file = loaded.file;
    const bad = (field: string, message: string) => problems.push({ file, field, message });
    if (loaded.error !== undefined) {
      // defineRemediation refuses a non-kebab id at load time; name the field it refused.
      bad(/^remediation id /.test(loaded.error) ? 'id' : '(load)', `the file does not load: ${loaded.error}`);
      continue;
    }
    const r = shapeOf(loaded.remediation, bad);
    if (!r) continue;

    // Identity.
    const expected = basename(file).replace(/\.ts$/, '');
    if (!KEBAB.test(r.id)) bad('id', `${q(r.id)} must be kebab-case`);
    if (r.id !== expected) bad('id', `${q(r.id)} does not match the file name (expected ${q(expected)})`);
    byId.set(r.id, [...(byId.get(r.id) ?? []), file]);
    if (!(TRIGGER_FAMILIES as readonly string[]).includes(r.trigger)) {
      bad('trigger', `unknown trigger family ${q(r.trigger)} (one of ${TRIGGER_FAMILIES.join(', ')})`);
    }
    if (!(MODES as readonly string[]).includes(r.defaultMode)) {
      bad('defaultMode', `${q(r.defaultMode)} is not a mode (${MODES.join(', ')})`);
    }
    const timeout = r.settings?.['approvalTimeout'];
    if (timeout !== undefined && durationMs(timeout) === undefined) {
      bad('settings.approvalTimeout', `${q(timeout)} is not a duration (like 30m, 1h or 1h30m; default 1h)`);
    }
    r.calendars?.forEach((c, i) => {
      if (typeof c !== 'string' || !ID_PATTERNS.calendarName.test(c)) {
        bad(
          `calendars[${i}]`,
          `${q(c)} is not a calendar name or document ARN (${ID_PATTERNS.calendarName.source})`,
        );
      }
    });
    r.permissions.forEach((p, i) => checkPermission(p, `permissions[${i}]`, bad));

    // Documents.
    const specs = new Map<string, DocumentSpec | undefined>();
    r.documents.forEach((d, i) => {
      const field = `documents[${i}]`;
      if (typeof d?.name !== 'string' || !ID_PATTERNS.documentName.test(d.name)) {
        bad(`${field}.name`, `${q(d?.name)} is not a document name (${ID_PATTERNS.documentName.source})`);
        return;
      }
      if (d.type !== 'Automation' && d.type !== 'Command') {
        bad(`${field}.type`, `${q(d.type)} must be Automation or Command`);
        return;
      }
      if (d.file === undefined) {
        // The remediation file's own declaration first; else the shared table of AWS documents.
        const aws = d.parameters ? { type: d.type, parameters: d.parameters } : input.awsDocuments[d.name];
        if (!aws) {
          bad(
            `${field}.name`,
            `${q(d.name)} is not a known AWS-owned document: declare its parameters here (parameters: { Name: { required: true } }, ` +
              `and assumeRole for an Automation runbook), or, if it is ours, set file: 'documents/${d.name}.yaml'`,
          );
          return;
        }
        if (aws.type !== d.type) bad(`${field}.type`, `${d.name} is an ${aws.type} document, not ${d.type}`);
        specs.set(d.name, aws);
        return;
      }
      // Ours.
      const reserved = RESERVED_PREFIXES.find((p) => d.name.toLowerCase().startsWith(p.toLowerCase()));
      if (reserved) {
        bad(
          `${field}.name`,
          `${q(d.name)} starts with ${q(reserved)}, a prefix AWS reserves; name our documents ssm-remediator-…`,
        );
      }
      const wanted = `documents/${d.name}.yaml`;
      if (d.file !== wanted)
        bad(`${field}.file`, `${q(d.file)} must be ${q(wanted)} (the file is named after the document)`);
      const first = ours.get(d.name);
      if (first && (first.type !== d.type || first.file !== d.file)) {
        bad(
          field,
          `${d.name} is also declared by ${first.by} as ${first.type} in ${first.file}; declare it the same way`,
        );
      }
      if (first) {
        specs.set(d.name, first.spec);
        return;
      }
      const text = input.readRunbookFile(d.file);
      if (text === undefined) {
        bad(`${field}.file`, `src/runbooks/${d.file} does not exist`);
        ours.set(d.name, { file: d.file, type: d.type, by: file });
        return;
      }
      const docFile = `${RUNBOOKS_DIR}/${d.file}`;
      let content: unknown;
      try {
        content = parseYaml(text);
      } catch (e) {
        problems.push({
          file: docFile,
          field: '(yaml)',
          message: `does not parse: ${e instanceof Error ? e.message : e}`,
        });
        ours.set(d.name, { file: d.file, type: d.type, by: file });
        return;
      }
      const checked = checkDocument(docFile, d.type, content);
      problems.push(...checked.problems);
      checkedDocs.add(d.file);
      ours.set(d.name, {
        file: d.file,
        type: d.type,
        by: file,
        ...(checked.spec ? { spec: checked.spec } : {}),
      });
      specs.set(d.name, checked.spec);
    });

    // What people read (Slack, SNS, the report, `remediator plan`) says something real.
    const readable: Array<[string, unknown]> = [
      ['title', r.title],
      ['description', r.description],
      ...r.examples.map((ex, i): [string, unknown] => [`examples[${i}].name`, ex?.name]),
    ];
    for (const [field, text] of readable) {
      const found = typeof text === 'string' ? PLACEHOLDER.exec(text)?.[0] : undefined;
      if (found !== undefined)
        bad(field, `still has placeholder text ${q(found)} (${q(text)}): say what it does in words`);
    }
    if (r.trigger === 'config.noncompliant') checkResourceTypes(r, bad);

    // Examples: they hold, and the actions they show (and the plan returns) fit the documents.
    if (r.examples.length === 0)
      bad('examples', 'has no worked examples; the examples are the remediation’s test');
    const kinds = new Set<Acting['kind']>();
    const unmapped = new Set<string>();
    r.examples.forEach((ex, i) => {
      const field = `examples[${i}]`;
      // The opt-out gate reads the resource's tags by its ARN: a type with no ARN builder fails every finding.
      const type = ex.expect.applies === false ? undefined : resourceTypeOf(ex.event);
      if (type !== undefined && !Object.hasOwn(RESOURCE_ARNS, type) && !unmapped.has(type)) {
        unmapped.add(type);
        bad(
          `${field}.event`,
          `(${q(ex.name)}) resource type ${type} has no ARN builder, so the opt-out gate cannot read its tags ` +
            `and every finding would fail: add it to src/core/resource-arns.ts`,
        );
      }
      let failures: string[];
      try {
        failures = input.runExample(r, ex);
      } catch (e) {
        failures = [`throws ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`];
      }
      for (const f of failures) bad(field, `(${q(ex.name)}) ${f}`);
      // An example that applies has an event of its trigger's family (a Patch compliance change is not an Association one).
      const family = ex.expect.applies === false ? undefined : familyOf(ex.event);
      if (family !== undefined && family !== r.trigger)
        bad(
          `${field}.event`,
          `(${q(ex.name)}) is a ${family} event; this remediation's trigger is ${r.trigger}`,
        );
      // What the plan really passes (with an assume role set); what the example shows if it cannot run.
      let planned: Acting[] = [];
      try {
        planned = input.planActions(r, ex).filter(isActing);
      } catch {
        // runExample already reported a plan that throws.
      }
      if (planned.length > 0) {
        planned.forEach((a, j) => checkAction(`${field}: plan().actions[${j}]`, a, r, specs, bad, kinds));
        for (const t of input.taintedByExample?.(r, ex) ?? []) {
          bad(
            `${field}: plan().actions[${t.action}].parameters.${t.parameter}`,
            `takes event value ${t.path} unvalidated (the text ${q(t.taint)} put there reached it); ` +
              `pass it through requireId(kind, value, '${t.path}') with the kind of id the parameter takes, or a pattern of your own that rejects it`,
          );
        }
      } else {
        const shown = (ex.expect.actions ?? []).filter(isActing);
        shown.forEach((a, j) => checkAction(`${field}.expect.actions[${j}]`, a, r, specs, bad, kinds));
      }
    });
    for (const kind of kinds) {
      const { permission } = PERMISSION_FOR[kind];
      if (!r.permissions.map(permissionAction).includes(permission)) {
        bad('permissions', `the plan uses ${kind}, which needs ${q(permission)}; add it to permissions`);
      }
    }
  }

  for (const [id, files] of byId) {
    if (files.length < 2) continue;
    for (const file of files) {
      const others = files.filter((f) => f !== file).join(', ');
      problems.push({ file, field: 'id', message: `duplicate id ${q(id)}: ${others} uses it too` });
    }
  }
  for (const f of input.documentFiles) {
    if (!checkedDocs.has(f) && ![...ours.values()].some((o) => o.file === f)) {
      problems.push({
        file: `${RUNBOOKS_DIR}/${f}`,
        field: '(file)',
        message: 'no remediation declares this document in documents[], so it is never deployed',
      });
    }
  }
  return dedupe(problems);
}

/** The resource type a Config example reports must be the one its rule evaluates (when the rule's name says). */
function checkResourceTypes(r: Remediation, bad: (field: string, message: string) => void): void {
  const reported = new Set<string>();
  r.examples.forEach((ex, i) => {
    if (ex?.expect?.applies === false) return;
    const detail = (ex?.event as { detail?: Record<string, unknown> } | undefined)?.detail;
    const rule = detail?.['configRuleName'];
    const type = detail?.['resourceType'];
    if (typeof rule !== 'string' || typeof type !== 'string' || reported.has(`${rule} ${type}`)) return;
    const expected = resourceTypeOfRule(rule);
    if (expected === undefined || type === expected) return;
    reported.add(`${rule} ${type}`);
    bad(
      `examples[${i}].event.detail.resourceType`,
      `${type} does not fit Config rule ${q(rule)}, which evaluates ${expected}; set the resource type (and its id shape and document) to match`,
    );
  });
}

function checkAction(
  field: string,
  a: Acting,
  r: Remediation,
  specs: Map<string, DocumentSpec | undefined>,
  bad: (field: string, message: string) => void,
  kinds: Set<Acting['kind']>,
): void {
  kinds.add(a.kind);
  const ref = r.documents.find((d) => d?.name === a.document);
  if (!ref) {
    bad(`${field}.document`, `${q(a.document)} is not declared in documents, so it gets no IAM permission`);
    return;
  }
  const want = PERMISSION_FOR[a.kind].type;
  if (ref.type !== want)
    bad(`${field}.kind`, `${a.kind} needs an ${want} document; ${a.document} is declared ${ref.type}`);
  const spec = specs.get(a.document);
  if (!spec) return;
  for (const name of Object.keys(a.parameters)) {
    if (!(name in spec.parameters)) {
      bad(`${field}.parameters.${name}`, `${a.document} declares no parameter ${q(name)}`);
    }
  }
  for (const [name, p] of Object.entries(spec.parameters)) {
    if (p.required && !(name in a.parameters)) {
      bad(
        `${field}.parameters`,
        `${a.document} requires ${q(name)} (it has no default), but the plan omits it`,
      );
    }
  }
}

/** Checks the fields every consumer relies on before anything calls into the remediation. */
function shapeOf(value: unknown, bad: (field: string, message: string) => void): Remediation | undefined {
  if (typeof value !== 'object' || value === null) {
    bad('(default export)', 'must be a remediation: export default defineRemediation({ … })');
    return undefined;
  }
  const r = value as Record<string, unknown>;
  let ok = true;
  const need = (field: string, test: boolean, what: string) => {
    if (!test) {
      bad(field, `must be ${what}`);
      ok = false;
    }
  };
  need('id', typeof r.id === 'string', 'a string');
  need('title', typeof r.title === 'string' && r.title.trim() !== '', 'a non-empty string');
  need('trigger', typeof r.trigger === 'string', 'a trigger family');
  need('applies', typeof r.applies === 'function', 'a function (finding) => boolean');
  need('plan', typeof r.plan === 'function', 'a function (finding, facts, ctx) => Action[]');
  need('documents', Array.isArray(r.documents), 'a list of { name, type, file? }');
  need('permissions', Array.isArray(r.permissions), 'a list of IAM actions');
  need('examples', Array.isArray(r.examples), 'a list of worked examples');
  need(
    'calendars',
    r.calendars === undefined || Array.isArray(r.calendars),
    'a list of calendar names, or omitted',
  );
  return ok ? (value as Remediation) : undefined;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.file}\0${p.field}\0${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The resource type of a well-formed finding event, else undefined. */
function resourceTypeOf(event: unknown): string | undefined {
  try {
    return parseFinding(event).resourceType;
  } catch {
    return undefined;
  }
}

/** The trigger family of a well-formed finding event, else undefined (rejected examples are checked elsewhere). */
function familyOf(event: unknown): string | undefined {
  try {
    return parseFinding(event).family;
  } catch {
    return undefined;
  }
}
