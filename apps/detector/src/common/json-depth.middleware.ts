import { BadRequestException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Deeper than any request of this API (its bodies are flat objects with one array), far below the stack's limit. */
export const MAX_JSON_DEPTH = 32;

/** True when `value` (parsed JSON) nests deeper than `maxDepth`: checked before any recursive walk of it. */
export function depthExceeds(value: unknown, maxDepth: number): boolean {
  // Iterative on purpose: the recursive walks further on (validation, class-transformer) are what a deep body overflows.
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Refuses parsed JSON bodies nested deeper than MAX_JSON_DEPTH with a 400 (`[[[[...]]]]` would overflow the stack: 500). */
export function rejectDeepJson(req: Request, _res: Response, next: NextFunction) {
  if (depthExceeds(req.body, MAX_JSON_DEPTH)) return next(new BadRequestException(`The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`));
  next();
}

/**
 * Refuses a JSON body that is not an object or array (`null`, `42`, `"text"`). The JSON parser accepts them
 * (strict: false) so that this answer can say so: its strict mode's '"null" is not valid JSON' is wrong.
 */
export function requireJsonObject(req: Request, _res: Response, next: NextFunction) {
  const { body } = req as { body: unknown };
  if (body !== undefined && (body === null || typeof body !== 'object')) return next(new BadRequestException('The body must be a JSON object.'));
  next();
}
