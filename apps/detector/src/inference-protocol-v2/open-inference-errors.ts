import { HttpStatus } from '@nestjs/common';
import { ErrorDialect } from '../common/http-exception.filter';

/**
 * The Open Inference Protocol's error body, `{"error": "<message>"}`, on every /v2 route (unknown routes, malformed
 * JSON and refusals before routing included). Statuses come from the service's one error mapping, except that the
 * protocol answers bad input with 400 where the seed's routes answer 422 (FastAPI's schema violations).
 */
export const OPEN_INFERENCE_ERRORS: ErrorDialect = {
  appliesTo: (path) => path === '/v2' || path.startsWith('/v2/'),
  status: ({ status }) => (status === HttpStatus.UNPROCESSABLE_ENTITY ? HttpStatus.BAD_REQUEST : status),
  body: ({ detail }) => ({ error: detail }),
};
