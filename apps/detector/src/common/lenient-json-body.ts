import type { NextFunction, Request, Response } from 'express';
import { parse as parseForm } from 'node:querystring';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The bodies FastAPI (the seed) reads as JSON although they are not labelled so: no Content-Type at all (python
 * `requests.post(url, data=json.dumps(body))`), `text/plain`, and `application/x-www-form-urlencoded` holding a JSON
 * object (`curl -d @body.json`). They are read as text (body-parser's `type` option) and parsed by `parseLenientJson`.
 */
export function isLenientJsonRequest(req: Request): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return true;
  const mediaType = type.split(';')[0].trim().toLowerCase();
  return mediaType === 'text/plain' || mediaType === FORM;
}

/** body-parser's own parse error, so the error filter answers it as it answers malformed `application/json`. */
function parseFailure(): Error {
  return Object.assign(new Error('The body is not valid JSON.'), { status: 400, type: 'entity.parse.failed' });
}

/**
 * Turns the text body of a lenient request into what the route expects: JSON when it looks like a JSON object or
 * array (or has no Content-Type, or `text/plain`); a real form (`model=yolov5s&image=...`) stays a form.
 */
export function parseLenientJson(req: Request, _res: Response, next: NextFunction) {
  if (typeof req.body !== 'string' || !isLenientJsonRequest(req)) return next();
  const text = req.body;
  const isForm = req.headers['content-type']?.toLowerCase().startsWith(FORM) ?? false;
  if (isForm && !/^\s*[[{]/.test(text)) {
    req.body = { ...parseForm(text) };
    return next();
  }
  try {
    req.body = JSON.parse(text);
  } catch {
    return next(parseFailure());
  }
  next();
}
