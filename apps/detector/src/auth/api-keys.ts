import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * API keys: how they are written in settings, where a request carries one, and how one is matched. Plain functions,
 * no framework: the guard, the stream handshake and the request logger share them.
 */

/** Visible ASCII without commas (the list separator): a key fits in a header, a URL parameter and a list. */
const KEY_PATTERN = /^[\x21-\x2b\x2d-\x7e]+$/;
/** Shorter keys can be guessed online. */
export const MIN_KEY_LENGTH = 16;
/** The /stream URL parameter that carries a key: browsers cannot set headers on a WebSocket. */
export const STREAM_KEY_PARAM = 'api_key';
/**
 * Or, kept out of URLs (and so out of proxies' access logs), a WebSocket subprotocol offered beside the stream's own:
 * `detector-key.<the key in base64url>`. The server never selects it, so the key is not echoed back.
 */
export const STREAM_KEY_PROTOCOL_PREFIX = 'detector-key.';

/**
 * The keys in a setting: comma- or newline-separated (API_KEYS, or a mounted secret file with one key per line);
 * blank lines and `#` comments are skipped. Throws with a message naming the fault, never the key.
 */
export function parseApiKeys(text: string): string[] {
  const keys = text
    .split(/[,\r\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'));
  keys.forEach((key, index) => {
    if (!KEY_PATTERN.test(key)) throw new Error(`key ${index + 1} has a character other than visible ASCII (spaces and commas separate keys)`);
    if (key.length < MIN_KEY_LENGTH) throw new Error(`key ${index + 1} is ${key.length} characters long; use at least ${MIN_KEY_LENGTH} (e.g. \`openssl rand -hex 32\`)`);
  });
  return keys;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Who a matched key is in logs and rate limits: a short fingerprint, never the key. */
export type KeyIdentity = string;

/**
 * Matches a presented key against the configured ones in constant time: both sides are hashed to 32 bytes (so that
 * the length of a key does not show either) and every configured key is compared, whichever matches.
 */
export function keyMatcher(keys: readonly string[]): (presented: string | undefined) => KeyIdentity | null {
  const known = keys.map((key) => ({ digest: sha256(key), identity: sha256(`identity:${key}`).toString('hex').slice(0, 12) }));
  return (presented) => {
    if (presented === undefined) return null;
    const digest = sha256(presented);
    let matched: KeyIdentity | null = null;
    for (const key of known) if (timingSafeEqual(key.digest, digest)) matched = key.identity;
    return matched;
  };
}

/** The key a request carries: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (bearer) return bearer[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : undefined;
}

/** The key of a /stream handshake: its URL's `api_key` parameter, or its key subprotocol (Sec-WebSocket-Protocol). */
export function presentedStreamKey(url: string, protocols: string | undefined): string | undefined {
  const inUrl = new URL(url, 'ws://stream').searchParams.get(STREAM_KEY_PARAM);
  if (inUrl !== null) return inUrl;
  const offered = protocols?.split(',').map((protocol) => protocol.trim()).find((protocol) => protocol.startsWith(STREAM_KEY_PROTOCOL_PREFIX));
  return offered === undefined ? undefined : Buffer.from(offered.slice(STREAM_KEY_PROTOCOL_PREFIX.length), 'base64url').toString();
}

/** The subprotocol a /stream handshake gets: any offered but a key (ws's default would echo the first, which may be one). */
export function selectStreamProtocol(offered: Set<string>): string | false {
  return [...offered].find((protocol) => !protocol.startsWith(STREAM_KEY_PROTOCOL_PREFIX)) ?? false;
}

/** A URL as it may be logged: the value of a key parameter replaced. */
export function redactKeyInUrl(url: string): string {
  return url.replace(new RegExp(`([?&]${STREAM_KEY_PARAM}=)[^&#]*`, 'gi'), '$1[redacted]');
}
