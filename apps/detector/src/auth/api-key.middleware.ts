import type { NextFunction, Request, Response } from 'express';
import { ApiKeyAccess, unauthorized } from './api-key-access';

/**
 * Express middleware for the routes that take a body, mounted before the body parsers: a request without a valid
 * client key is refused without parsing its body (up to BODY_LIMIT_MB of JSON), which the guard, running after the
 * parsers, could not avoid. The body is still read (and dropped) so the client gets the answer, not a broken pipe.
 */
export function refuseWithoutKey(access: ApiKeyAccess) {
  return (req: Request, res: Response, next: NextFunction) => {
    const outcome = access.checkClient(req.headers);
    if (!('refusal' in outcome)) return next();
    const refusal = unauthorized(outcome.refusal, res);
    req.resume();
    req.once('end', () => next(refusal));
  };
}
