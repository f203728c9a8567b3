// The service's API key (API_KEYS), when it asks for one: asked for once on a 401 and kept for this tab only
// (sessionStorage), then sent on every request and with the stream's handshake.

const STORAGE_KEY = 'detector.apiKey';
/** Set when the person dismissed the prompt: the page then shows the 401s instead of asking again until reloaded. */
let declined = false;

const storedKey = () => sessionStorage.getItem(STORAGE_KEY);

function withKey(init, key) {
  if (!key) return init;
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${key}`);
  return { ...init, headers };
}

/** window.prompt blocks the page, so requests refused meanwhile find the new key stored when they get here. */
function askForKey(reason) {
  if (declined) return false;
  const key = window.prompt(`${reason}\n\nThe API key (kept for this browser tab only):`)?.trim();
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  declined = !key;
  return !declined;
}

/** fetch() with the key; on a 401 it asks for the key (unless another request just did) and tries once more. */
export async function apiFetch(url, init = {}) {
  const sent = storedKey();
  const response = await fetch(url, withKey(init, sent));
  if (response.status !== 401) return response;
  const reason = (await response.clone().json().catch(() => null))?.detail ?? 'The service needs an API key.';
  // Checked after the await: a request refused at the same time may have asked for the key meanwhile.
  if (storedKey() === sent && !askForKey(reason)) return response;
  return fetch(url, withKey(init, storedKey()));
}

/**
 * Opens the stream. Browsers cannot set headers on a WebSocket: the key goes as a subprotocol offered beside the
 * stream's own (which the service selects), so that it stays out of the URL and of proxies' access logs.
 */
export function openStreamSocket(query) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/stream?${query}`;
  const key = storedKey();
  if (!key) return new WebSocket(url);
  const base64 = btoa(String.fromCharCode(...new TextEncoder().encode(key)));
  const base64url = base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return new WebSocket(url, ['detector-stream', `detector-key.${base64url}`]);
}
