/**
 * Replaces a Slack message in place through the `response_url` of an interactive callback. The URL
 * comes in a signed body, and only to hosts on the stage's list (default hooks.slack.com): the
 * function posts nowhere else.
 */
export function slackResponder(allowedHosts: readonly string[], fetchImpl: typeof fetch = fetch) {
  return async (url: string, text: string): Promise<void> => {
    const u = new URL(url);
    if (!allowedHosts.includes(u.hostname)) throw new Error(`response_url host ${u.hostname} is not allowed`);
    const res = await fetchImpl(u, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text }),
      signal: AbortSignal.timeout(3_000),
    });
    if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
  };
}
