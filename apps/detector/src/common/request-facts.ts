
/**
 * Health probes (the service's and the Open Inference Protocol's, model readiness included) and metrics scrapes,
 * by path or URL: they keep answering while draining and are not logged when fine.
 */
export const isProbe = (url: string) => /^\/(health|metrics|v2\/health|v2\/models\/[^/?]+\/ready)(\/|\?|$)/.test(url);

/** The model a request body asked for, only when it is one the service serves: other text is unbounded client input. */
export function servedModelOf(body: unknown, catalog: { get(name: string): unknown }): string | undefined {
  const model = (body as { model?: unknown } | undefined)?.model;
  return typeof model === 'string' && catalog.get(model) !== undefined ? model : undefined;
}
