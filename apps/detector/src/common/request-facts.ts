import { OFFICIAL_MODEL_NAMES } from '@app/model-store';

/**
 * Health probes (the service's and the Open Inference Protocol's, model readiness included) and metrics scrapes,
 * by path or URL: they keep answering while draining and are not logged when fine.
 */
export const isProbe = (url: string) => /^\/(health|metrics|v2\/health|v2\/models\/[^/?]+\/ready)(\/|\?|$)/.test(url);

/** The model a request body asked for, only when it is one the service serves: other text is unbounded client input. */
export function servedModelOf(body: unknown): string | undefined {
  const model = (body as { model?: unknown } | undefined)?.model;
  return typeof model === 'string' && OFFICIAL_MODEL_NAMES.includes(model) ? model : undefined;
}
