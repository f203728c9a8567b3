import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { Observable, tap } from 'rxjs';
import type { StageTimings } from './yolo-detector';

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** `Server-Timing` header value for the stages of one detection (durations in ms). */
export function serverTimingHeader(timings: StageTimings): string {
  return (Object.entries(timings) as [keyof StageTimings, number][]).map(([stage, ms]) => `${stage};dur=${round(ms, 1)}`).join(', ');
}

/** The answer's presentation of a detection's timings: the seed's `time` (inference, seconds) and the stages in ms. */
export function presentTimings(timings: StageTimings): { time: number; timings: StageTimings } {
  const stages = Object.fromEntries(Object.entries(timings).map(([stage, ms]) => [stage, round(ms, 2)])) as unknown as StageTimings;
  return { time: round(timings.inference / 1000, 4), timings: stages };
}

/** For handlers that return `{ timings: StageTimings }`: sends the stage durations as a `Server-Timing` header, which browsers' dev tools display. */
@Injectable()
export class TimingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      tap((body: unknown) => {
        const timings = (body as { timings?: StageTimings } | null)?.timings;
        if (timings) response.setHeader('Server-Timing', serverTimingHeader(timings));
      }),
    );
  }
}
