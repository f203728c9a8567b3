/** Longest piece of a client's own input (a model name, an event name, a key) quoted back in an answer. */
export const MAX_ECHO_CHARS = 100;

/** Longest message of an error answer (HTTP `detail`, v2 `error`, stream `message`). */
export const MAX_MESSAGE_CHARS = 2000;

/**
 * `text` cut to `max` characters, saying how much was left out: whatever a client sent, what it gets back stays
 * small (a 1 MB model or event name must not come back whole, nor be held in a send buffer).
 */
export function capEcho(text: string, max = MAX_ECHO_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
