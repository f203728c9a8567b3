import type { NextFunction, Request, Response } from 'express';
import { InferenceService } from './inference.service';

/**
 * Express middleware for the detection routes, mounted before the body parsers: while every model's runners are busy and its
 * queue is full, a new detection is answered 503 + Retry-After without parsing its body, which would cost the event
 * loop more than the refusal (JSON.parse and base64 of a 20 MB body take tens of ms). The body is still read (and
 * dropped) so the client gets the answer instead of a broken pipe. The scheduler checks the model's queue again once the image
 * is ready, for requests that arrived while there was room.
 */
export function refuseWhenSaturated(inference: InferenceService) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || !inference.isSaturated()) return next();
    const refusal = inference.atCapacity();
    req.resume();
    req.once('end', () => next(refusal));
  };
}
