/**
 * The members of a Slack user group: Web API `GET <apiUrl>/usergroups.users.list?usergroup=S…` with
 * the bot token (scope `usergroups:read`), answered `{ok:true, users:[…]}` or `{ok:false, error}`.
 * Successful answers are cached per group for `ttlMs` (per warm Lambda); failures are not cached and
 * throw an error that names the group and Slack's answer, never the token. `apiUrl` is the stage's
 * `slackApiUrl` (https://slack.com/api; the sandbox points it at its own Slack).
 */
/** A GET's answer: what the adapter reads of it (a fetch `Response` is one). */
export interface HttpAnswer {
  status: number;
  text(): Promise<string>;
}
export type HttpGet = (
  url: URL,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<HttpAnswer>;

export interface SlackGroupsOptions {
  apiUrl: string;
  /** The bot token (SecureString); '' or undefined: the groups cannot be read. */
  token: () => Promise<string | undefined>;
  now: () => Date;
  ttlMs?: number;
  timeoutMs?: number;
  /** Default: the global fetch. */
  get?: HttpGet;
}

export const GROUP_CACHE_MS = 60_000;

export function slackGroupMembers(opts: SlackGroupsOptions): (group: string) => Promise<readonly string[]> {
  const ttl = opts.ttlMs ?? GROUP_CACHE_MS;
  const get = opts.get ?? fetchGet;
  const cache = new Map<string, { users: readonly string[]; at: number }>();
  const base = opts.apiUrl.replace(/\/+$/, '');
  return async (group) => {
    const now = opts.now().getTime();
    const hit = cache.get(group);
    if (hit && now - hit.at < ttl && now >= hit.at) return hit.users;
    const token = await opts.token();
    if (!token) throw new Error('no Slack bot token (slackBotTokenParam)');
    const url = new URL(`${base}/usergroups.users.list`);
    url.searchParams.set('usergroup', group);
    let res: HttpAnswer;
    try {
      res = await get(url, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 3_000),
      });
    } catch (e) {
      const name = e instanceof Error ? e.name : 'Error';
      throw new Error(
        `usergroups.users.list ${group}: ${name === 'TimeoutError' ? 'timed out' : `unreachable (${name})`}`,
      );
    }
    if (res.status < 200 || res.status > 299)
      throw new Error(`usergroups.users.list ${group}: HTTP ${res.status}`);
    let body: unknown;
    try {
      body = JSON.parse(await res.text());
    } catch {
      throw new Error(`usergroups.users.list ${group}: not JSON`);
    }
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (b['ok'] !== true) {
      const error = typeof b['error'] === 'string' ? b['error'].slice(0, 64) : 'no error named';
      throw new Error(`usergroups.users.list ${group}: ok:false (${error})`);
    }
    const users = b['users'];
    if (!Array.isArray(users) || !users.every((u) => typeof u === 'string'))
      throw new Error(`usergroups.users.list ${group}: no users list`);
    cache.set(group, { users, at: now });
    return users;
  };
}

/** The global fetch, as an HttpGet. */
export const fetchGet: HttpGet = (url, init) => fetch(url, init);
