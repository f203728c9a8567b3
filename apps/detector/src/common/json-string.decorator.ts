import { applyDecorators, Header } from '@nestjs/common';

/**
 * FastAPI (the seed) returns bare strings as JSON strings (`"HEALTH OK"` with quotes); Nest would send plain text.
 * Routes with this decorator return `jsonString(value)`.
 */
export const JsonStringResponse = () => applyDecorators(Header('Content-Type', 'application/json; charset=utf-8'));

export const jsonString = (value: string): string => JSON.stringify(value);
