import { capEcho } from '../common/client-echo';

/** The model asked for is not one this service serves: the client's mistake (400, as the seed answers). */
export class UnknownModelError extends Error {
  constructor(
    readonly model: string,
    readonly known: readonly string[],
  ) {
    super(`Unknown model "${capEcho(model)}". Available models: ${known.join(', ')}.`);
    this.name = 'UnknownModelError';
  }
}

/** The model is served but cannot run right now (not installed, still loading, broken file): 503. */
export class ModelUnavailableError extends Error {
  constructor(
    readonly model: string,
    message: string,
    /** Seconds after which a retry may succeed (loading in progress), if known. */
    readonly retryAfterSeconds?: number,
    /** Why, in a few words after the model's name ("is not installed"), for answers that list several models. */
    readonly summary = 'is unavailable',
  ) {
    super(message);
    this.name = 'ModelUnavailableError';
  }
}
