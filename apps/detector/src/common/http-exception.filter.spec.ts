import { ArgumentsHost, BadRequestException, UnprocessableEntityException } from '@nestjs/common';
import { OPEN_INFERENCE_ERRORS } from '../inference-protocol-v2/open-inference-errors';
import { ModelUnavailableError, UnknownModelError } from '../catalog/model-errors';
import { MAX_MESSAGE_CHARS } from './client-echo';
import { RequestRefusedError } from '../inference/request-refused.error';
import { HttpExceptionFilter } from './http-exception.filter';

/** Sends `error` through the filter as if raised while answering `path`; returns what the client would get. */
function answer(error: unknown, path: string) {
  const sent = { status: 0, headers: {} as Record<string, string>, body: undefined as unknown };
  const response = {
    headersSent: false,
    destroyed: false,
    setHeader: (name: string, value: string) => (sent.headers[name] = value),
    status(code: number) {
      sent.status = code;
      return this;
    },
    json: (body: unknown) => (sent.body = body),
  };
  const host = { switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ path }) }) } as unknown as ArgumentsHost;
  new HttpExceptionFilter(20 * 1024 * 1024, [OPEN_INFERENCE_ERRORS]).catch(error, host);
  return sent;
}

describe('HttpExceptionFilter', () => {
  const unknownModel = new UnknownModelError('yolov9', ['yolov5s']);

  it("answers the seed's routes with the seed's shape", () => {
    expect(answer(unknownModel, '/predict')).toEqual({ status: 400, headers: {}, body: { statusCode: 400, error: 'Bad Request', detail: unknownModel.message } });
    expect(answer(new UnprocessableEntityException(['a must be a number', 'b is required']), '/v2x').body).toEqual({
      statusCode: 422,
      error: 'Unprocessable Entity',
      detail: 'a must be a number; b is required',
    });
  });

  it('answers /v2 routes with the Open Inference Protocol error object, the same message, and bad input as 400', () => {
    expect(answer(unknownModel, '/v2/models/yolov9')).toEqual({ status: 400, headers: {}, body: { error: unknownModel.message } });
    expect(answer(new UnprocessableEntityException(['a must be a number']), '/v2/models/yolov5s/infer')).toEqual({ status: 400, headers: {}, body: { error: 'a must be a number' } });
    expect(answer(new Error('boom'), '/v2').body).toEqual({ error: 'Internal server error.' });
  });

  it('keeps the status and Retry-After of refusals in both shapes', () => {
    const refusal = new RequestRefusedError('queue_full', 'The service is at capacity.', 3);
    expect(answer(refusal, '/v2/models/yolov5s/infer')).toEqual({ status: 503, headers: { 'Retry-After': '3' }, body: { error: 'The service is at capacity.' } });
    expect(answer(refusal, '/predict')).toEqual({ status: 503, headers: { 'Retry-After': '3' }, body: { statusCode: 503, error: 'Service Unavailable', detail: 'The service is at capacity.' } });
  });

  it('sends Retry-After with every 503, also when the error names no delay', () => {
    const unavailable = new ModelUnavailableError('yolov5s', 'Model yolov5s cannot be used: its file is being rewritten.');
    expect(answer(unavailable, '/predict').headers).toEqual({ 'Retry-After': '1' });
    expect(answer(new UnprocessableEntityException('bad'), '/predict').headers).toEqual({});
  });

  it('caps the message it sends back', () => {
    const detail = (answer(new UnknownModelError('y'.repeat(10_000), ['yolov5s']), '/predict').body as { detail: string }).detail;
    expect(detail.length).toBeLessThan(300);
    expect((answer(new BadRequestException('z'.repeat(100_000)), '/predict').body as { detail: string }).detail.length).toBeLessThan(MAX_MESSAGE_CHARS + 100);
  });
});
