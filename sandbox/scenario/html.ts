/**
 * The rehearsal report as one self-contained HTML page (`remediator rehearse --html FILE`): no
 * network, no fonts, no CDN. The text (verdict, what went wrong, the numbers) is rendered here; the
 * charts and the per-resource timeline are inline SVG drawn in the browser by `drawPage` (below,
 * serialized into the page) from the report JSON embedded in `<script type="application/json"
 * id="report">`, so what the page shows can be checked against the JSON it carries.
 */
import {
  failureReason,
  passed,
  scenarioWindows,
  type RehearsalReport,
  type TimelineRow,
  type TimeWindow,
} from './report.ts';
import type { Scenario } from './schema.ts';

/** The report's own sections; anything else (e.g. `convergence`, `modes`) is shown as it comes. */
const KNOWN = new Set([
  'scenario',
  'seed',
  'wall',
  'sim',
  'events',
  'findings',
  'outcomes',
  'executions',
  'deferred',
  'lost',
  'lostEvents',
  'unfinished',
  'dropped',
  'redelivered',
  'duplicateExecutions',
  'duplicateDetails',
  'failures',
  'slack',
  'sns',
  'apiCalls',
  'iam',
  'notes',
  'windows',
  'timeline',
]);

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `outcomes.byCode` → the value in the report, or undefined. */
function at(report: object, path: string): unknown {
  let v: unknown = report;
  for (const k of path.split('.'))
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

const words = (key: string): string => {
  const w = key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return w.charAt(0).toUpperCase() + w.slice(1);
};

/** A number from the report, shown with the path it came from (the browser test compares them). */
function tile(report: object, path: string, label: string, tone = ''): string {
  const v = at(report, path);
  if (typeof v !== 'number') return '';
  return `<div class="tile ${tone}"><b data-path="${esc(path)}">${v}</b><span>${esc(label)}</span></div>`;
}

function chart(
  path: string,
  title: string,
  opts: { mode?: string; colors?: 'outcome'; limit?: number } = {},
): string {
  const attrs = [
    `data-chart="${esc(path)}"`,
    opts.mode ? `data-mode="${opts.mode}"` : '',
    opts.colors ? `data-colors="${opts.colors}"` : '',
    opts.limit ? `data-limit="${opts.limit}"` : '',
  ].join(' ');
  return `<figure><figcaption>${esc(title)}</figcaption><div class="chart" ${attrs}></div></figure>`;
}

function table(head: string[], rows: string[][], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const list = (items: string[], max = 6): string =>
  esc(items.slice(0, max).join(', ')) +
  (items.length > max ? ` <span class="muted">+${items.length - max} more</span>` : '');

/**
 * Failed outcomes folded by remediation and code (a patch window can fail a hundred alike; their
 * reasons differ only in ids and times), with the first reason and every resource.
 */
function failureGroups(r: RehearsalReport): string {
  const groups = new Map<
    string,
    { remediation: string; code: string; reasons: string[]; resources: string[] }
  >();
  for (const f of r.failures ?? []) {
    const k = `${f.remediation}\n${f.code}`;
    const g = groups.get(k) ?? { remediation: f.remediation, code: f.code, reasons: [], resources: [] };
    if (!g.reasons.includes(f.reason)) g.reasons.push(f.reason);
    g.resources.push(f.resource);
    groups.set(k, g);
  }
  const rows = [...groups.values()]
    .sort((a, b) => b.resources.length - a.resources.length)
    .map((g) => [
      `<b class="count">${g.resources.length}</b>`,
      esc(g.remediation),
      `<code>${esc(g.code)}</code>`,
      esc(g.reasons[0]) +
        (g.reasons.length > 1
          ? ` <span class="muted">(the first of ${g.reasons.length} reasons; each resource's is on its timeline row)</span>`
          : ''),
      list(g.resources),
    ]);
  return `<h3>Failed outcomes <span class="muted">(<span data-path="failures.length">${(r.failures ?? []).length}</span>)</span></h3>${table(['count', 'remediation', 'code', 'reason', 'resources'], rows, 'failures')}`;
}

function problems(r: RehearsalReport): string {
  const parts: string[] = [];
  if ((r.failures ?? []).length > 0) parts.push(failureGroups(r));
  if (r.lost > 0)
    parts.push(
      `<h3>Lost <span class="muted">(<span data-path="lost">${r.lost}</span>: delivered finding events with no decision or outcome at all${r.lostEvents.length < r.lost ? `; the first ${r.lostEvents.length} listed` : ''})</span></h3>` +
        table(
          ['event', 'detail-type', 'resource', 'delivered to'],
          r.lostEvents.map((e) => [
            `<code>${esc(e.id)}</code>`,
            esc(e.detailType),
            esc(e.resource),
            list(e.targets),
          ]),
        ),
    );
  if (r.unfinished > 0)
    parts.push(
      `<h3>Unfinished <span class="muted">(<span data-path="unfinished">${r.unfinished}</span>)</span></h3><p>Delivered finding events still queued, retrying or running when the rehearsal stopped waiting: raise <code>clock.drain</code> or lower the speed.</p>`,
    );
  if (r.duplicateExecutions > 0)
    parts.push(
      `<h3>Duplicate executions <span class="muted">(<span data-path="duplicateExecutions">${r.duplicateExecutions}</span>)</span></h3>` +
        table(
          ['remediation', 'resource', 'finding', 'executions'],
          r.duplicateDetails.map((d) => [
            esc(d.remediation),
            esc(d.resource),
            `<code>${esc(d.finding)}</code>`,
            list(d.executions, 4),
          ]),
        ),
    );
  if (r.dropped > 0)
    parts.push(
      `<p class="muted"><b>${r.dropped}</b> finding event(s) dropped by the bus's drop fault before delivery: not lost (AWS delivers best effort), nothing the service could have done.</p>`,
    );
  if ((r.notes ?? []).length > 0)
    parts.push(`<h3>Notes from the runner</h3><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  if (parts.length === 0)
    return '<p class="ok">Nothing went wrong: no failed outcome, nothing lost or unfinished, no duplicate execution.</p>';
  return parts.join('\n');
}

/** A section the renderer does not know (added later, e.g. `convergence`): numbers as tiles, maps as charts, lists as tables. */
function anySection(report: object, key: string): string {
  const v = at(report, key);
  const body = (value: unknown, path: string, depth: number): string => {
    if (typeof value === 'number') return tile(report, path, words(path.split('.').pop() ?? path));
    if (typeof value !== 'object' || value === null)
      return `<p><b>${esc(words(path.split('.').pop() ?? path))}</b>: ${esc(value)}</p>`;
    if (Array.isArray(value)) {
      if (value.length === 0)
        return `<p class="muted">${esc(words(path.split('.').pop() ?? path))}: none</p>`;
      const objects = value.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
      if (objects.length === 0)
        return `<ul>${value
          .slice(0, 50)
          .map((x) => `<li>${esc(x)}</li>`)
          .join('')}</ul>`;
      const cols = [...new Set(objects.slice(0, 50).flatMap((o) => Object.keys(o)))];
      const cell = (x: unknown): string =>
        esc(typeof x === 'object' && x !== null ? JSON.stringify(x) : (x ?? ''));
      return (
        table(
          cols,
          objects.slice(0, 50).map((o) => cols.map((c) => cell(o[c]))),
        ) + (value.length > 50 ? `<p class="muted">first 50 of ${value.length}</p>` : '')
      );
    }
    const entries = Object.entries(value);
    const numbers = entries.filter(([, x]) => typeof x === 'number');
    const rest = entries.filter(([, x]) => typeof x !== 'number');
    let html =
      numbers.length > 0
        ? `<div class="tiles">${numbers.map(([k]) => tile(report, `${path}.${k}`, words(k))).join('')}</div>`
        : '';
    const maps = rest.filter(
      ([, x]) =>
        typeof x === 'object' &&
        x !== null &&
        !Array.isArray(x) &&
        Object.values(x).every((n) => typeof n === 'number'),
    );
    if (maps.length > 0)
      html += `<div class="charts">${maps.map(([k]) => chart(`${path}.${k}`, words(k))).join('')}</div>`;
    for (const [k, x] of rest.filter((e) => !maps.includes(e)))
      html +=
        depth < 2
          ? `<h3>${esc(words(k))}</h3>${body(x, `${path}.${k}`, depth + 1)}`
          : `<pre>${esc(JSON.stringify(x, null, 2))}</pre>`;
    return html;
  };
  return `<section class="card extra" id="section-${esc(key)}"><h2>${esc(words(key))}</h2>${body(v, key, 0)}</section>`;
}

const GLYPHS = `
<span><svg width="14" height="14"><path d="M7 2 12 7 7 12 2 7Z" fill="#475569"/></svg> finding event</span>
<span><svg width="14" height="14"><circle cx="7" cy="7" r="4.5" fill="#2563eb"/></svg> decision (gates, release)</span>
<span><svg width="30" height="14"><circle cx="5" cy="7" r="4.5" fill="#d97706"/><line x1="9" y1="7" x2="30" y2="7" stroke="#d97706" stroke-width="2" stroke-dasharray="3 2"/></svg> deferred until released</span>
<span><svg width="26" height="14"><rect x="1" y="3" width="24" height="8" rx="2" fill="#16a34a"/></svg> execution (start → end)</span>
<span><svg width="14" height="14"><circle cx="7" cy="7" r="4.5" fill="#fff" stroke="#16a34a" stroke-width="2.5"/></svg> completion (succeeded, failed)</span>
<span><svg width="14" height="14"><path d="M2 3h10L7 11Z" fill="#7c3aed"/></svg> SNS notification</span>
<span class="sep"></span>
<span><i class="sw win-freeze"></i> change freeze</span>
<span><i class="sw win-fault"></i> fault</span>
<span><i class="sw win-outage"></i> outage</span>
<span><i class="sw win-kill-switch"></i> kill switch</span>
<span class="sep"></span>
<span><i class="dot" style="background:#16a34a"></i>succeeded <i class="dot" style="background:#2563eb"></i>started <i class="dot" style="background:#94a3b8"></i>skipped <i class="dot" style="background:#d97706"></i>deferred <i class="dot" style="background:#dc2626"></i>failed</span>`;

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f1f5f9;color:#0f172a;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1320px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:0 0 12px}h3{font-size:14px;margin:16px 0 6px}
.muted{color:#64748b;font-weight:normal}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:16px 18px;margin:14px 0;box-shadow:0 1px 2px rgba(15,23,42,.04)}
.verdict{display:flex;gap:22px;align-items:center;border-width:2px}
.verdict.pass{border-color:#16a34a;background:#f0fdf4}.verdict.fail{border-color:#dc2626;background:#fef2f2}
.verdict .big{font-size:34px;font-weight:800;letter-spacing:.04em;padding:4px 18px;border-radius:8px;color:#fff}
.verdict.pass .big{background:#16a34a}.verdict.fail .big{background:#dc2626}
.verdict p{margin:0;font-size:15px}
.tiles{display:flex;flex-wrap:wrap;gap:8px}
.tile{min-width:112px;padding:8px 12px;border-radius:8px;background:#f8fafc;border:1px solid #e2e8f0}
.tile b{display:block;font-size:22px;font-variant-numeric:tabular-nums}.tile span{color:#475569;font-size:12px}
.tile.bad{background:#fef2f2;border-color:#fca5a5;color:#991b1b}.tile.good{background:#f0fdf4;border-color:#bbf7d0}
.tile.warn{background:#fffbeb;border-color:#fcd34d}
.verdict .tiles{margin-left:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}
th{color:#475569;font-weight:600;background:#f8fafc}
td .count,b.count{color:#dc2626}
code{font:12px ui-monospace,SFMono-Regular,Menlo,"DejaVu Sans Mono",monospace;background:#f1f5f9;padding:1px 4px;border-radius:4px}
p.ok{color:#166534;font-weight:600;margin:0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(390px,1fr));gap:14px 22px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px;color:#334155}
.chart svg text{font-size:12px;fill:#334155}.chart svg text.num{fill:#0f172a;font-variant-numeric:tabular-nums}
.chart .empty,.empty{color:#94a3b8;font-style:italic}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;font-size:12px;color:#334155;margin-bottom:10px}
.legend span{display:inline-flex;align-items:center;gap:5px}.legend svg{vertical-align:middle}
.legend .sep{width:1px;height:16px;background:#cbd5e1}
.sw{display:inline-block;width:18px;height:12px;border-radius:2px}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-left:6px}
.win-freeze{fill:#fbbf24;background:#fbbf24;opacity:.22}.win-fault{fill:#ef4444;background:#ef4444;opacity:.16}
.win-outage{fill:#a855f7;background:#a855f7;opacity:.18}.win-kill-switch{fill:#0f172a;background:#0f172a;opacity:.14}
.sw{opacity:.45}
.controls{display:flex;gap:14px;align-items:center;margin-bottom:8px;flex-wrap:wrap}
.controls input[type=search]{width:320px;padding:6px 9px;border:1px solid #cbd5e1;border-radius:6px;font:inherit}
#timeline-axis{position:sticky;top:0;background:#fff;z-index:2;border-bottom:1px solid #e2e8f0}
svg text{font-family:inherit}
#timeline-axis text{font-size:11px;fill:#475569}#timeline-axis text.wl{fill:#0f172a}
details.group{border-top:1px solid #e2e8f0}
details.group summary{cursor:pointer;padding:7px 4px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
details.group summary::marker{color:#64748b}
.badge{font-size:11px;padding:1px 7px;border-radius:10px;background:#e2e8f0;color:#334155}
.badge.bad{background:#fee2e2;color:#991b1b}
svg.tl text.res{font:11.5px ui-monospace,SFMono-Regular,Menlo,"DejaVu Sans Mono",monospace;fill:#1e293b}
svg.tl .problem text.res{fill:#b91c1c;font-weight:700}
svg.tl .stripe{fill:#f8fafc}
svg.tl .grid,#timeline-axis .grid{stroke:#e2e8f0}
svg.tl .life{stroke:#cbd5e1;stroke-width:1}
button.more{margin:4px 0 10px 232px;font:inherit;font-size:12px;padding:3px 10px;border-radius:6px;border:1px solid #cbd5e1;background:#f8fafc;cursor:pointer}
pre{white-space:pre-wrap;font:12px ui-monospace,SFMono-Regular,Menlo,"DejaVu Sans Mono",monospace;background:#f8fafc;padding:8px;border-radius:6px;margin:6px 0}
#slack summary{cursor:pointer}#slack summary h2{display:inline;margin:0}
footer{color:#64748b;font-size:12px;margin-top:18px}
`;

/** What the client draws with (a subset of the DOM, so this file needs no DOM types). */
interface El {
  innerHTML: string;
  textContent: string | null;
  value: string;
  checked: boolean;
  open: boolean;
  clientWidth: number;
  getAttribute(name: string): string | null;
  addEventListener(type: string, listener: () => void): void;
  querySelectorAll(selector: string): ArrayLike<El>;
}
interface Doc {
  getElementById(id: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}

/**
 * Runs in the browser (serialized with `toString()`): it may use nothing from outside its own body.
 * Draws every `[data-chart]` as a bar chart of the report value at that path, and the timeline.
 */
export function drawPage(doc: Doc, report: RehearsalReport): void {
  const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const hm = (ms: number): string => {
    const m = Math.floor(ms / 60_000);
    return `t+${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
  };
  const get = (path: string): unknown => {
    let v: unknown = report;
    for (const k of path.split('.'))
      v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
    return v;
  };
  const COLORS: [RegExp, string][] = [
    [/^(failed|lost|unfinished)|Fail|TimedOut|Cancel|: (lost|unfinished)$/, '#dc2626'],
    [/^(succeeded|Success)/, '#16a34a'],
    [/^(started|InProgress|Pending)/, '#2563eb'],
    [/^deferred/, '#d97706'],
    [/^(skipped|no outcome)|dropped|matched no rule/, '#94a3b8'],
    [/^rejected/, '#be185d'],
  ];
  const colorOf = (label: string, fallback = '#0891b2'): string =>
    COLORS.find(([re]) => re.test(label))?.[1] ?? fallback;

  // ---- bar charts ----------------------------------------------------------------------------
  for (const el of Array.from(doc.querySelectorAll('[data-chart]'))) {
    const value = get(el.getAttribute('data-chart') ?? '');
    const mode = el.getAttribute('data-mode');
    let entries: [string, number][] = [];
    if (typeof value === 'object' && value !== null)
      for (const [k, x] of Object.entries(value)) {
        if (typeof x === 'number') entries.push([k, x]);
        else if (typeof x === 'object' && x !== null) {
          const s = x as { total?: unknown; byOperation?: Record<string, unknown> };
          if (mode === 'operations')
            for (const [op, n] of Object.entries(s.byOperation ?? {})) {
              if (typeof n === 'number') entries.push([`${k} ${op}`, n]);
            }
          else if (typeof s.total === 'number') entries.push([k, s.total]);
        }
      }
    entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const limit = Number(el.getAttribute('data-limit') ?? 0);
    if (limit > 0 && entries.length > limit) {
      const rest = entries.slice(limit - 1);
      entries = [
        ...entries.slice(0, limit - 1),
        [`${rest.length} others`, rest.reduce((n, e) => n + e[1], 0)],
      ];
    }
    if (entries.length === 0) {
      el.innerHTML = '<p class="empty">none</p>';
      continue;
    }
    const W = Math.max(320, el.clientWidth || 420);
    const LW = Math.round(Math.min(210, W * 0.46));
    const H = 21;
    const max = Math.max(1, ...entries.map((e) => e[1]));
    const outcomeColors = el.getAttribute('data-colors') === 'outcome';
    let svg = `<svg class="bars" width="${W}" height="${entries.length * H + 2}" role="img">`;
    entries.forEach(([k, n], i) => {
      const y = i * H;
      const w = Math.max(1.5, (n / max) * (W - LW - 58));
      svg +=
        `<g class="bar" data-key="${esc(k)}" data-value="${n}"><title>${esc(k)}: ${n}</title>` +
        `<text x="${LW - 8}" y="${y + 15}" text-anchor="end">${esc(clip(k, Math.floor(LW / 7.4)))}</text>` +
        `<rect x="${LW}" y="${y + 3}" width="${w.toFixed(1)}" height="${H - 6}" rx="3" fill="${outcomeColors ? colorOf(k) : '#3b82f6'}"/>` +
        `<text class="num" x="${(LW + w + 6).toFixed(1)}" y="${y + 15}">${n}</text></g>`;
    });
    el.innerHTML = `${svg}</svg>`;
  }

  // ---- timeline ------------------------------------------------------------------------------
  const host = doc.getElementById('timeline-groups');
  const axis = doc.getElementById('timeline-axis');
  const filter = doc.getElementById('timeline-filter');
  const onlyProblems = doc.getElementById('timeline-problems');
  const status = doc.getElementById('timeline-status');
  if (!host || !axis) return;
  const rows: TimelineRow[] = report.timeline?.rows ?? [];
  const windows: TimeWindow[] = report.windows ?? [];
  let span = Math.max(60_000, (report.sim?.hours ?? 0) * 3_600_000);
  for (const r of rows) for (const m of r.marks) span = Math.max(span, m.end ?? m.at);
  for (const w of windows) span = Math.max(span, w.to ?? w.from);
  const W = Math.max(760, host.clientWidth || 1200);
  const LW = 232;
  const PW = W - LW - 14;
  const x = (t: number): number => LW + (Math.min(Math.max(t, 0), span) / span) * PW;
  const step =
    [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * 60_000).find((s) => span / s <= 14) ??
    2_880 * 60_000;
  const ticks: number[] = [];
  for (let t = 0; t <= span; t += step) ticks.push(t);
  const grid = (h: number): string =>
    ticks
      .map((t) => `<line class="grid" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="0" y2="${h}"/>`)
      .join('');
  const whole = (w: TimeWindow): boolean => w.from <= 0 && w.to === undefined;
  const winTitle = (w: TimeWindow): string =>
    `${w.label}: ${whole(w) ? 'the whole run' : `${hm(w.from)} – ${w.to === undefined ? 'end' : hm(w.to)}`}`;
  const shade = (h: number): string =>
    windows
      .filter((w) => !whole(w))
      .map(
        (w) =>
          `<rect class="win win-${esc(w.kind)}" x="${x(w.from).toFixed(1)}" y="0" width="${Math.max(1.5, x(w.to ?? span) - x(w.from)).toFixed(1)}" height="${h}"><title>${esc(winTitle(w))}</title></rect>`,
      )
      .join('');

  // The axis: hour ticks, then one lane per window, labelled.
  const LANE = 17;
  let ax = `<svg width="${W}" height="${26 + windows.length * LANE}">${grid(26 + windows.length * LANE)}`;
  for (const t of ticks) ax += `<text x="${x(t).toFixed(1)}" y="15" text-anchor="middle">${hm(t)}</text>`;
  windows.forEach((w, i) => {
    const y = 24 + i * LANE;
    const x0 = x(w.from);
    const x1 = x(w.to ?? span);
    ax +=
      `<g class="window" data-kind="${esc(w.kind)}"><rect class="win win-${esc(w.kind)}" x="${x0.toFixed(1)}" y="${y}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${LANE - 3}" rx="2"/>` +
      `<text class="wl" x="${LW - 8}" y="${y + 11}" text-anchor="end">${esc(clip(w.label, 38))}</text>` +
      `<title>${esc(winTitle(w))}</title></g>`;
  });
  axis.innerHTML = `${ax}</svg>`;

  // One group per remediation, one row per resource.
  const ROW = 18;
  const KIND: Record<string, string> = {
    finding: 'finding event',
    decision: 'decision',
    deferred: 'deferred',
    execution: 'execution',
    completion: 'outcome',
    notification: 'notification',
  };
  const drawRow = (r: TimelineRow, i: number): string => {
    const y = i * ROW;
    const mid = y + ROW / 2;
    let s = `<g class="row${r.problem ? ' problem' : ''}">`;
    if (i % 2 === 1) s += `<rect class="stripe" x="0" y="${y}" width="${W}" height="${ROW}"/>`;
    s += `<circle cx="8" cy="${mid}" r="4" fill="${colorOf(r.last)}"><title>last: ${esc(r.last)}</title></circle>`;
    s += `<text class="res" x="${LW - 8}" y="${mid + 4}" text-anchor="end"><title>${esc(r.resource)}: ${esc(r.last)}</title>${esc(clip(r.resource, 30))}</text>`;
    if (r.marks.length > 0) {
      const first = r.marks[0]!.at;
      const last = Math.max(...r.marks.map((m) => m.end ?? m.at));
      s += `<line class="life" x1="${x(first).toFixed(1)}" x2="${x(last).toFixed(1)}" y1="${mid}" y2="${mid}"/>`;
    }
    r.marks.forEach((m, j) => {
      const cx = x(m.at).toFixed(1);
      const title = `<title>${esc(`${KIND[m.kind] ?? m.kind}: ${m.label} at ${hm(m.at)}${m.end !== undefined ? ` – ${hm(m.end)}` : ''}${m.detail ? `\n${m.detail}` : ''}`)}</title>`;
      const cls = `mark mark-${esc(m.kind)}`;
      if (m.kind === 'finding') {
        const bad = / (lost|unfinished)$/.test(m.label);
        const fill = bad ? '#dc2626' : /dropped|no rule/.test(m.label) ? '#94a3b8' : '#475569';
        s += `<path class="${cls}" d="M${cx} ${mid - 5}l5 5-5 5-5-5Z" fill="${fill}">${title}</path>`;
      } else if (m.kind === 'execution') {
        const x1 = m.end !== undefined ? x(m.end) : x(span);
        s += `<rect class="${cls}" x="${cx}" y="${mid - 4}" width="${Math.max(3, x1 - x(m.at)).toFixed(1)}" height="8" rx="2" fill="${colorOf(m.label, '#7c3aed')}" opacity=".85">${title}</rect>`;
      } else if (m.kind === 'deferred') {
        const next = r.marks
          .slice(j + 1)
          .find((n) => n.kind !== 'deferred' && n.kind !== 'finding' && n.kind !== 'notification');
        s += `<line class="wait" x1="${cx}" x2="${x(next ? next.at : span).toFixed(1)}" y1="${mid}" y2="${mid}" stroke="#d97706" stroke-width="2" stroke-dasharray="4 3"/>`;
        s += `<circle class="${cls}" cx="${cx}" cy="${mid}" r="4.5" fill="#d97706">${title}</circle>`;
      } else if (m.kind === 'decision') {
        s += `<circle class="${cls}" cx="${cx}" cy="${mid}" r="4.5" fill="${colorOf(m.label)}">${title}</circle>`;
      } else if (m.kind === 'completion') {
        s += `<circle class="${cls}" cx="${cx}" cy="${mid}" r="4" fill="#fff" stroke="${colorOf(m.label)}" stroke-width="2.5">${title}</circle>`;
      } else {
        s += `<path class="${cls}" d="M${(x(m.at) - 4).toFixed(1)} ${mid + 1}h8l-4 7Z" fill="#7c3aed">${title}</path>`;
      }
    });
    return `${s}</g>`;
  };

  // Groups with problems first, then by name.
  const byName = new Map<string, TimelineRow[]>();
  for (const r of rows) {
    const list = byName.get(r.remediation) ?? [];
    list.push(r);
    byName.set(r.remediation, list);
  }
  const troubled = (list: TimelineRow[]): number => (list.some((r) => r.problem) ? 0 : 1);
  const groups = new Map(
    [...byName].sort(([a, x], [b, y]) => troubled(x) - troubled(y) || a.localeCompare(b)),
  );
  const limits = new Map<string, number>();
  const opened = new Map<string, boolean>();
  const FIRST = 40;
  const render = (): void => {
    const q = (filter?.value ?? '').trim().toLowerCase();
    const problemsOnly = onlyProblems?.checked ?? false;
    const matches = (r: TimelineRow): boolean =>
      (!problemsOnly || r.problem) &&
      (!q ||
        [r.resource, r.remediation, r.last, ...r.marks.map((m) => m.label)]
          .join(' ')
          .toLowerCase()
          .includes(q));
    let html = '';
    let shown = 0;
    let index = 0;
    for (const [name, all] of groups) {
      const match = all.filter(matches);
      index += 1;
      if (match.length === 0) continue;
      shown += match.length;
      const visible = match.slice(0, limits.get(name) ?? FIRST);
      const bad = all.filter((r) => r.problem).length;
      const lasts = new Map<string, number>();
      for (const r of all) lasts.set(r.last, (lasts.get(r.last) ?? 0) + 1);
      const chips = [...lasts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(
          ([k, n]) =>
            `<span class="badge"><i class="dot" style="background:${colorOf(k)};margin:0 4px 0 0"></i>${esc(k)} ${n}</span>`,
        )
        .join('');
      const open = opened.get(name) ?? (bad > 0 || index <= 3 || q !== '' || problemsOnly);
      const h = visible.length * ROW + 2;
      html +=
        `<details class="group" data-group="${esc(name)}" data-rows="${all.length}"${open ? ' open' : ''}>` +
        `<summary><b>${esc(name)}</b><span class="muted">${all.length} resource(s)${match.length < all.length ? `, ${match.length} match` : ''}</span>` +
        `${bad > 0 ? `<span class="badge bad">${bad} with problems</span>` : ''}${chips}</summary>` +
        `<svg class="tl" width="${W}" height="${h}">${grid(h)}${shade(h)}${visible.map(drawRow).join('')}</svg>` +
        (match.length > visible.length
          ? `<button class="more" data-group="${esc(name)}">show all ${match.length} (${match.length - visible.length} more)</button>`
          : '') +
        `</details>`;
    }
    host.innerHTML = html || '<p class="empty">No resource matches the filter.</p>';
    if (status)
      status.textContent = `${shown} of ${rows.length} resource row(s)${report.timeline?.omitted ? `; ${report.timeline.omitted} left out of the report` : ''}`;
    for (const b of Array.from(host.querySelectorAll('button.more')))
      b.addEventListener('click', () => {
        limits.set(b.getAttribute('data-group') ?? '', Infinity);
        render();
      });
    for (const d of Array.from(host.querySelectorAll('details.group')))
      d.addEventListener('toggle', () => opened.set(d.getAttribute('data-group') ?? '', d.open));
  };
  filter?.addEventListener('input', render);
  onlyProblems?.addEventListener('change', render);
  if (rows.length === 0) host.innerHTML = '<p class="empty">This report has no timeline.</p>';
  else render();
}

/** The page. `scenario` supplies the windows when the report has none (a report saved before they existed). */
export function renderHtml(
  report: RehearsalReport,
  scenario?: Pick<Scenario, 'calendars' | 'faults' | 'slackDown' | 'killSwitch'>,
): string {
  const r: RehearsalReport =
    !report.windows && scenario ? { ...report, windows: scenarioWindows(scenario) } : report;
  const ok = passed(r);
  const zeroTone = (n: number): string => (n > 0 ? 'bad' : 'good');
  const extras = Object.keys(r).filter((k) => !KNOWN.has(k));
  // The verdict's own sections first: convergence, then mode approve's requests and Slack's callbacks.
  const first = ['convergence', 'approvals'].filter((k) => extras.includes(k));
  const later = extras.filter((k) => !first.includes(k));
  const json = JSON.stringify(r).replace(/</g, '\\u003c');
  const started = new Date(r.sim.start);
  const samples = r.slack?.samples ?? [];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${ok ? 'PASS' : 'FAIL'}: rehearsal ${esc(r.scenario)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>Rehearsal: ${esc(r.scenario)}</h1>
<div class="muted">seed ${r.seed} · ${r.sim.hours.toFixed(1)} h of simulated time from ${esc(Number.isNaN(started.getTime()) ? r.sim.start : started.toISOString().replace('T', ' ').slice(0, 16))} UTC · ${(r.wall?.seconds ?? 0).toFixed(1)} s wall clock (virtual time)</div>
</header>

<section class="card verdict ${ok ? 'pass' : 'fail'}" id="verdict">
<div class="big">${ok ? 'PASS' : 'FAIL'}</div>
<p><span id="verdict-reason">${ok ? 'Every finding fixed, excused or held by the service (none dropped), nothing unfinished, no duplicate execution.' : esc(failureReason(r))}</span>${
    (r.failures ?? []).length > 0
      ? `<br><span class="muted">Failed outcomes are answers the service gave and reported (listed below); they do not decide the verdict.</span>`
      : ''
  }</p>
<div class="tiles">
${r.convergence ? tile(r, 'convergence.dropped', 'dropped findings', zeroTone(r.convergence.dropped)) : ''}
${tile(r, 'lost', 'lost (log lines)', zeroTone(r.lost))}
${tile(r, 'unfinished', 'unfinished', zeroTone(r.unfinished))}
${tile(r, 'duplicateExecutions', 'duplicate executions', zeroTone(r.duplicateExecutions))}
${tile(r, 'failures.length', 'failed outcomes', (r.failures ?? []).length > 0 ? 'warn' : 'good')}
</div>
</section>

<section class="card" id="problems">
<h2>What went wrong</h2>
${problems(r)}
</section>

${first.map((k) => anySection(r, k)).join('\n')}

<section class="card" id="numbers">
<h2>The day in numbers</h2>
<div class="tiles">
${tile(r, 'events.total', 'events on the bus')}
${tile(r, 'findings.total', 'finding events')}
${tile(r, 'findings.unique', 'distinct findings')}
${tile(r, 'findings.delivered', 'delivered')}
${tile(r, 'dropped', 'dropped by the bus')}
${tile(r, 'findings.unrouted', 'matched no rule')}
${tile(r, 'redelivered', 'redelivered')}
${tile(r, 'outcomes.total', 'outcome lines')}
${tile(r, 'outcomes.decisions', 'decisions')}
${tile(r, 'outcomes.later', 'later outcomes')}
${tile(r, 'executions.started', 'executions started')}
${tile(r, 'deferred.total', 'deferred')}
${tile(r, 'deferred.released', 'released')}
${tile(r, 'deferred.stillDeferred', 'still deferred')}
${tile(r, 'sns.count', 'SNS messages')}
${tile(r, 'slack.count', 'Slack messages')}
</div>
</section>

<section class="card" id="timeline">
<h2>Timeline <span class="muted">per resource, in simulated time</span></h2>
<div class="legend">${GLYPHS}</div>
<div class="controls">
<input type="search" id="timeline-filter" placeholder="Filter: resource, remediation, outcome…" aria-label="Filter the timeline">
<label><input type="checkbox" id="timeline-problems"> only resources with problems</label>
<span class="muted" id="timeline-status"></span>
</div>
<div id="timeline-axis"></div>
<div id="timeline-groups"><noscript>The timeline and charts are drawn by a script in this page.</noscript></div>
</section>

<section class="card" id="charts">
<h2>Outcomes and executions</h2>
<div class="charts">
${chart('outcomes.byOutcome', 'Outcomes by outcome', { colors: 'outcome' })}
${chart('outcomes.byCode', 'Outcomes by code', { limit: 14 })}
${chart('outcomes.byRemediation', 'Outcomes by remediation')}
${chart('executions.byStatus', 'Executions by status', { colors: 'outcome' })}
${chart('executions.byRemediation', 'Executions by remediation')}
${chart('deferred.releasedAs', 'Deferred work released as', { colors: 'outcome' })}
${chart('sns.byOutcome', 'SNS messages by outcome', { colors: 'outcome' })}
</div>
</section>

<section class="card" id="api">
<h2>API calls <span class="muted">counted by the sandbox's front door, throttled and failed calls included</span></h2>
<div class="charts">
${chart('apiCalls', 'Calls by service', { mode: 'totals' })}
${chart('apiCalls', 'Calls by operation', { mode: 'operations', limit: 16 })}
${r.iam && r.iam.denied > 0 ? chart('iam.byRoleAction', 'IAM denials by role and action') : ''}
</div>
${r.iam ? `<p>IAM: <span data-path="iam.denied">${r.iam.denied}</span> denied of <span data-path="iam.evaluated">${r.iam.evaluated}</span> requests evaluated against the template's role and resource policies${r.iam.samples.map((m) => `<br><code>${esc(m)}</code>`).join('')}</p>` : ''}
</section>

<section class="card" id="events">
<h2>Events on the bus</h2>
<div class="charts">
${chart('events.byDetailType', 'By detail-type', { limit: 12 })}
${chart('events.byOrigin', 'Put by')}
</div>
</section>

${later.map((k) => anySection(r, k)).join('\n')}

${
  samples.length > 0
    ? `<section class="card" id="slack"><details><summary><h2>Slack <span class="muted">the first ${samples.length} of ${r.slack.count} messages</span></h2></summary>${samples.map((s) => `<pre>${esc(s)}</pre>`).join('')}</details></section>`
    : ''
}

<footer>The report JSON (the same as <code>--json</code> writes) is embedded in this page: <code>script#report</code>.</footer>
</main>
<script type="application/json" id="report">${json}</script>
<script>
var __name = function (f) { return f; };
(${drawPage.toString()})(document, JSON.parse(document.getElementById('report').textContent));
</script>
</body>
</html>
`;
}
