import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { Observable, tap } from 'rxjs';
import { serverTimingHeader, StageTimings } from '@app/vision';

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
