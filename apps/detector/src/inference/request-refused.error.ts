/** Why a well-formed request got no detection: load, time or lifecycle, never the client's input. */
export type RefusalReason = 'queue_full' | 'timeout' | 'client_closed' | 'shutting_down';

/** A detection refused or abandoned because of load, its deadline, a vanished client or shutdown. */
export class RequestRefusedError extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    /** Seconds after which a retry may succeed (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'RequestRefusedError';
  }
}

/** The 503 of a request that arrives, or is still waiting for a runner, after SIGTERM. */
export const shuttingDownRefusal = (retryAfterSeconds: number) =>
  new RequestRefusedError('shutting_down', 'The service is shutting down; retry on another instance.', retryAfterSeconds);
