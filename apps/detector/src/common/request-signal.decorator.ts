import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Response } from 'express';
import { RequestRefusedError } from '../inference/request-refused.error';

/**
 * An AbortSignal that aborts when the client goes away before its answer is sent (connection closed, request
 * cancelled), so queued work for nobody is dropped. `res` rather than `req` 'close': since Node 16 a request emits
 * 'close' as soon as its body has been read.
 */
export const RequestSignal = createParamDecorator((_data: unknown, context: ExecutionContext): AbortSignal => {
  const response = context.switchToHttp().getResponse<Response>();
  const controller = new AbortController();
  const abandon = () => controller.abort(new RequestRefusedError('client_closed', 'The client closed the request; its detection was abandoned.'));
  if (response.destroyed) abandon();
  else response.once('close', () => !response.writableFinished && abandon());
  return controller.signal;
});
