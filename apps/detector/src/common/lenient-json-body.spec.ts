import type { Request, Response } from 'express';
import { isLenientJsonRequest, parseLenientJson } from './lenient-json-body';

const request = (contentType: string | undefined, body: unknown) => ({ headers: contentType === undefined ? {} : { 'content-type': contentType }, body }) as unknown as Request;

/** Runs the middleware and returns the body it leaves and what it passed to `next`. */
function parse(contentType: string | undefined, body: unknown): { body: unknown; error: unknown } {
  const req = request(contentType, body);
  let error: unknown = 'next not called';
  parseLenientJson(req, {} as Response, (passed?: unknown) => (error = passed));
  return { body: req.body, error };
}

const json = '{"model": "yolov5s", "image": "iVBOR+w0/KGgo="}';
const object = { model: 'yolov5s', image: 'iVBOR+w0/KGgo=' };

describe('JSON without a JSON Content-Type (as FastAPI reads it)', () => {
  it('takes bodies without a Content-Type, text/plain and form-urlencoded, and leaves JSON and multipart to their parsers', () => {
    expect(isLenientJsonRequest(request(undefined, undefined))).toBe(true);
    expect(isLenientJsonRequest(request('text/plain; charset=utf-8', undefined))).toBe(true);
    expect(isLenientJsonRequest(request('application/x-www-form-urlencoded', undefined))).toBe(true);
    expect(isLenientJsonRequest(request('application/json', undefined))).toBe(false);
    expect(isLenientJsonRequest(request('multipart/form-data; boundary=x', undefined))).toBe(false);
    expect(isLenientJsonRequest(request('image/jpeg', undefined))).toBe(false);
  });

  it.each([undefined, 'text/plain', 'application/x-www-form-urlencoded'])('reads a JSON body sent as %s, keeping + and / of base64', (contentType) => {
    expect(parse(contentType, `\n ${json}`)).toEqual({ body: object, error: undefined });
  });

  it('keeps a real form a form', () => {
    expect(parse('application/x-www-form-urlencoded', 'model=yolov5s&image=iVBOR%2Bw0')).toEqual({ body: { model: 'yolov5s', image: 'iVBOR+w0' }, error: undefined });
  });

  it('answers text that is not JSON as body-parser answers malformed JSON (400)', () => {
    const { error } = parse('text/plain', '{"model": ');
    expect(error).toMatchObject({ status: 400, type: 'entity.parse.failed' });
    expect(parse(undefined, 'model=yolov5s').error).toMatchObject({ status: 400 });
  });

  it('leaves bodies other parsers produced alone', () => {
    expect(parse('application/json', object)).toEqual({ body: object, error: undefined });
    expect(parse(undefined, undefined)).toEqual({ body: undefined, error: undefined });
  });
});
