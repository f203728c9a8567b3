// The service's API key (API_KEYS), when it asks for one: asked for once on a 401 and kept for this tab only
// (sessionStorage), then sent on every request and on the stream's URL.

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

/** The stream's URL with the key as its `api_key` parameter: browsers cannot set headers on a WebSocket. */
export function streamUrl(query) {
  const key = storedKey();
  if (key) query.set('api_key', key);
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/stream?${query}`;
}
