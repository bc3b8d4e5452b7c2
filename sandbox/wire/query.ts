/**
 * The AWS Query protocol (SNS): form-encoded requests (`Action=Publish&Version=2010-03-31&...`) and XML
 * responses `<XResponse><XResult>...</XResult><ResponseMetadata>...</ResponseMetadata></XResponse>`.
 */

export interface QueryRequest {
  action: string;
  version: string;
  input: Record<string, unknown>;
}

type Tree = { [segment: string]: Tree | string };

function insert(tree: Tree, path: string[], value: string): void {
  let node = tree;
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (typeof next === 'object') {
      node = next;
    } else {
      const created: Tree = {};
      node[segment] = created;
      node = created;
    }
  });
}

const isIndexed = (t: Tree): boolean =>
  Object.keys(t).length > 0 && Object.keys(t).every((k) => /^\d+$/.test(k));

function indexed(t: Tree): Array<Tree | string> {
  return Object.keys(t)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => t[k] as Tree | string);
}

/** `X.member.N` → list, `X.entry.N.{Name|key, Value|value}` → map, `X.N` (flattened) → list. */
function normalize(node: Tree | string): unknown {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  const only = keys.length === 1 ? keys[0] : undefined;
  const child = only !== undefined ? node[only] : undefined;
  if (only === 'member' && typeof child === 'object' && isIndexed(child))
    return indexed(child).map(normalize);
  if (only === 'entry' && typeof child === 'object' && isIndexed(child)) return entriesToMap(indexed(child));
  if (isIndexed(node)) return indexed(node).map(normalize);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = normalize(node[k] as Tree | string);
  return out;
}

function entriesToMap(entries: Array<Tree | string>): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const entry of entries) {
    if (typeof entry === 'string') continue;
    const name = entry['Name'] ?? entry['key'];
    const value = entry['Value'] ?? entry['value'];
    if (typeof name === 'string' && value !== undefined) map[name] = normalize(value);
  }
  return map;
}

export function decodeQueryBody(body: string): QueryRequest {
  const params = new URLSearchParams(body);
  const tree: Tree = {};
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    insert(tree, key.split('.'), value);
  }
  return {
    action: params.get('Action') ?? '',
    version: params.get('Version') ?? '',
    input: normalize(tree) as Record<string, unknown>,
  };
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A flattened list (SQS): each item is its own `<Name>` element, with no `<member>` wrapper. */
export class Flattened {
  constructor(readonly items: unknown[]) {}
}

/**
 * Plain values become text, arrays `<member>` lists, Flattened lists repeated elements, objects nested
 * elements; Dates are ISO-8601.
 */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) =>
        v instanceof Flattened
          ? v.items.map((item) => `<${k}>${toXml(item)}</${k}>`).join('')
          : `<${k}>${toXml(v)}</${k}>`,
      )
      .join('');
  }
  return escapeXml(String(value));
}

export function encodeQueryResponse(
  action: string,
  output: unknown,
  requestId: string,
  xmlns: string,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${escapeXml(xmlns)}">` +
    `<${action}Result>${toXml(output)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
    `</${action}Response>`
  );
}

export function encodeQueryError(
  code: string,
  message: string,
  status: number,
  requestId: string,
  xmlns: string,
): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ErrorResponse xmlns="${escapeXml(xmlns)}">` +
    `<Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId>` +
    `</ErrorResponse>`
  );
}
