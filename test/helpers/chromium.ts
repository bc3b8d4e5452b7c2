/**
 * Drives Debian's headless Chromium over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
 * JSON messages separated by NUL on fds 3 and 4), so a test can load a page and ask the browser what
 * it drew, which console errors it saw and which requests it made. No npm dependency: the protocol
 * needs only these few commands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags that work as root in a container: no sandbox, no GPU, nothing phoning home. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
  '--remote-debugging-pipe',
];

export interface Page {
  /** Console errors, uncaught exceptions and error log entries the page produced. */
  errors: string[];
  /** Every URL the page requested (file: included). */
  requests: string[];
  /** Evaluates an expression in the page and returns its value (JSON-serializable). */
  evaluate<T>(expression: string): Promise<T>;
  /** Writes a PNG of the whole page (or of `clip`, in CSS pixels). */
  screenshot(file: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void>;
  close(): Promise<void>;
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `Chromium is not installed at ${CHROMIUM}: the HTML report test checks the page in a real browser. Install it with ` +
        '`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium` (or set CHROMIUM to its path).';
}

/** Opens `url` in a fresh headless Chromium (its own profile) and waits for the load event. */
export async function openPage(url: string, size = { width: 1400, height: 1000 }): Promise<Page> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const profile = mkdtempSync(join(tmpdir(), 'chromium-test-'));
  const child: ChildProcess = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString();
  });
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  let buffer = '';
  let nextId = 1;
  let exited: Error | undefined;
  fromBrowser.on('data', (d: Buffer) => {
    buffer += d.toString();
    let end: number;
    while ((end = buffer.indexOf('\0')) >= 0) {
      const m = JSON.parse(buffer.slice(0, end)) as Message;
      buffer = buffer.slice(end + 1);
      const p = m.id !== undefined ? pending.get(m.id) : undefined;
      if (p) {
        pending.delete(m.id!);
        if (m.error) p.reject(new Error(m.error.message));
        else p.resolve(m);
      } else for (const l of listeners) l(m);
    }
  });
  child.on('exit', (code) => {
    exited = new Error(`chromium exited (${code}): ${stderr.slice(-2000)}`);
    for (const p of pending.values()) p.reject(exited);
    pending.clear();
  });
  const send = (
    method: string,
    params: object = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: (m) => resolve(m.result ?? {}), reject });
    });
  };
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await gone;
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  };

  try {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    const errors: string[] = [];
    const requests: string[] = [];
    let loaded: () => void = () => undefined;
    const load = new Promise<void>((r) => (loaded = r));
    listeners.push((m) => {
      if (m.sessionId !== sessionId || !m.params) return;
      const p = m.params as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- protocol events
      if (m.method === 'Runtime.consoleAPICalled' && (p['type'] === 'error' || p['type'] === 'assert'))
        errors.push(
          `console.${p['type']}: ${(p['args'] ?? []).map((a: Record<string, unknown>) => a['value'] ?? a['description']).join(' ')}`,
        );
      else if (m.method === 'Runtime.exceptionThrown')
        errors.push(
          `uncaught: ${p['exceptionDetails']?.exception?.description ?? p['exceptionDetails']?.text}`,
        );
      else if (m.method === 'Log.entryAdded' && p['entry']?.level === 'error')
        errors.push(`log: ${p['entry'].text} ${p['entry'].url ?? ''}`.trim());
      else if (m.method === 'Network.requestWillBeSent') requests.push(String(p['request']?.url));
      else if (m.method === 'Page.loadEventFired') loaded();
    });
    for (const domain of ['Runtime', 'Log', 'Page', 'Network']) await send(`${domain}.enable`, {}, sessionId);
    await send(
      'Emulation.setDeviceMetricsOverride',
      { ...size, deviceScaleFactor: 1, mobile: false },
      sessionId,
    );
    await send('Page.navigate', { url }, sessionId);
    await load;
    return {
      errors,
      requests,
      async evaluate<T>(expression: string): Promise<T> {
        const r = (await send(
          'Runtime.evaluate',
          { expression, returnByValue: true, awaitPromise: true },
          sessionId,
        )) as {
          result: { value?: unknown };
          exceptionDetails?: { exception?: { description?: string }; text?: string };
        };
        if (r.exceptionDetails)
          throw new Error(
            `in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`,
          );
        return r.result.value as T;
      },
      async screenshot(file, clip) {
        const { cssContentSize: page } = (await send('Page.getLayoutMetrics', {}, sessionId)) as {
          cssContentSize: { width: number; height: number };
        };
        const area = clip ?? { x: 0, y: 0, width: page.width, height: page.height };
        const { data } = (await send(
          'Page.captureScreenshot',
          { format: 'png', captureBeyondViewport: true, clip: { ...area, scale: 1 } },
          sessionId,
        )) as { data: string };
        writeFileSync(file, Buffer.from(data, 'base64'));
      },
      async close() {
        send('Browser.close').catch(() => undefined);
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        await cleanup();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
