import { BadRequestException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MAX_JSON_DEPTH, rejectDeepJson, requireJsonObject } from './json-depth.middleware';

/** Runs the middleware on a parsed body and returns what it passed to `next`. */
function check(body: unknown): unknown {
  let passed: unknown = 'next not called';
  rejectDeepJson({ body } as Request, {} as Response, (error?: unknown) => (passed = error));
  return passed;
}

const nestedArrays = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));
const nestedObjects = (depth: number): unknown => JSON.parse('{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1));

describe('rejectDeepJson', () => {
  it('lets the API\'s bodies and anything up to the limit through', () => {
    expect(check({ model: 'yolov5s', image: 'AAAA', classes: ['person', 'bus'], confidence_threshold: 0.3 })).toBeUndefined();
    expect(check(undefined)).toBeUndefined();
    expect(check('text')).toBeUndefined();
    expect(check(nestedArrays(MAX_JSON_DEPTH))).toBeUndefined();
    expect(check(nestedObjects(MAX_JSON_DEPTH))).toBeUndefined();
  });

  it.each([
    ['arrays', nestedArrays],
    ['objects', nestedObjects],
  ])('refuses %s nested one level deeper, and 100 000 deep without overflowing', (_, nested) => {
    for (const depth of [MAX_JSON_DEPTH + 1, 100_000]) {
      const passed = check(nested(depth));
      expect(passed).toBeInstanceOf(BadRequestException);
      expect((passed as BadRequestException).message).toBe(`The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    }
  });
});

describe('requireJsonObject', () => {
  const passed = (body: unknown) => {
    let result: unknown = 'next not called';
    requireJsonObject({ body } as Request, {} as Response, (error?: unknown) => (result = error));
    return result;
  };

  it('lets objects, arrays and bodiless requests through', () => {
    for (const body of [{ model: 'yolov5s' }, [], undefined]) expect(passed(body)).toBeUndefined();
  });

  it('refuses null, numbers, strings and booleans as the body, saying what it must be', () => {
    for (const body of [null, 42, 'yolov5s', true]) expect(passed(body)).toEqual(new BadRequestException('The body must be a JSON object.'));
  });
});
