import type { NextFunction, Request, Response } from 'express';
import { ModelRegistryService } from './model-registry.service';

/**
 * Express middleware for the detection routes, mounted before the body parsers: while every worker is busy and the
 * queue is full, a new detection is answered 503 + Retry-After without parsing its body, which would cost the event
 * loop more than the refusal (JSON.parse and base64 of a 20 MB body take tens of ms). The body is still read (and
 * dropped) so the client gets the answer instead of a broken pipe. The registry checks the queue again once the image
 * is ready, for requests that arrived while there was room.
 */
export function refuseWhenSaturated(registry: ModelRegistryService) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || !registry.isSaturated()) return next();
    const refusal = registry.atCapacity();
    req.resume();
    req.once('end', () => next(refusal));
  };
}
