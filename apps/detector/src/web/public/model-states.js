// The service's models and what each can do, for both forms of the page (photo detection and live mode).
import { apiFetch } from './api-key.js';

/** Every served name with its GET /models/{name} state (null where that could not be read), in /models order. */
export async function fetchModelStates() {
  const response = await apiFetch('/models');
  if (!response.ok) throw new Error(`GET /models answered ${response.status}`);
  const names = await response.json();
  const states = await Promise.all(names.map((name) => apiFetch(`/models/${encodeURIComponent(name)}`).then((answer) => (answer.ok ? answer.json() : null)).catch(() => null)));
  return names.map((name, index) => ({ name, state: states[index] }));
}

/** A model the page lets you pick: installed (or being downloaded, which the service answers with a retry hint). */
export function isRunnable(modelState) {
  return !modelState || modelState.available || modelState.status === 'fetching';
}
