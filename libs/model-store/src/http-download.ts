import { get as httpGet, IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** A host that accepts the connection and then says nothing (a black-holed network) fails instead of hanging start-up. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * GET with node:http(s), following redirects (release assets redirect to a CDN). Not the global fetch: Node 24's
 * bundled undici can crash the process with an uncatchable `assert(!this.paused)` when a server closes the
 * connection right after a large body (seen here in 2 of 6 downloads from an HTTP/1.0 server).
 * Resolves with the final response, whatever its status; rejects with the socket's error (its `code`, e.g.
 * ENOTFOUND or ECONNREFUSED, tells why). A socket silent for `idleTimeoutMs`, before or during the body, fails
 * with code ETIMEDOUT.
 */
export function httpGetFollowingRedirects(
  url: string,
  options: { signal?: AbortSignal; headers?: Record<string, string>; idleTimeoutMs?: number } = {},
): Promise<IncomingMessage> {
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const attempt = (current: URL, redirectsLeft: number): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const get = current.protocol === 'https:' ? httpsGet : current.protocol === 'http:' ? httpGet : null;
      if (!get) return reject(new Error(`unsupported protocol ${current.protocol} in ${current.href}`));
      const request = get(current, { headers: options.headers, signal: options.signal }, (response) => {
        const location = response.headers.location;
        if (!REDIRECTS.has(response.statusCode ?? 0) || !location) return resolve(response);
        response.resume(); // discard the redirect's body
        if (redirectsLeft === 0) return reject(new Error(`too many redirects (more than ${MAX_REDIRECTS}) from ${url}`));
        attempt(new URL(location, current), redirectsLeft - 1).then(resolve, reject);
      });
      request.on('error', reject);
      request.setTimeout(idleTimeoutMs, () => {
        const error = Object.assign(new Error(`no data from ${current.host} for ${idleTimeoutMs} ms`), { code: 'ETIMEDOUT' });
        request.destroy(error);
      });
    });
  return attempt(new URL(url), MAX_REDIRECTS);
}
