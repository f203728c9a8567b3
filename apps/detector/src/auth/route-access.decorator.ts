import { applyDecorators, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiSecurity } from '@nestjs/swagger';

/**
 * Which credential a route needs when keys are configured: `api` (the default: a client key), `metrics` (the
 * metrics key, METRICS_API_KEY) or `public` (none: health probes and the web page's static files).
 */
export type RouteAccess = 'api' | 'metrics' | 'public';

const ROUTE_ACCESS = 'detector:route-access';

/** Open to anyone, keys or not: probes must answer the platform, static files the browser before it has a key. */
export const Public = () =>
  applyDecorators(
    SetMetadata(ROUTE_ACCESS, 'public' satisfies RouteAccess),
    // An empty requirement: OpenAPI's "no credential", overriding the document's key requirement.
    ApiSecurity({}),
  );

/** Behind the metrics key (METRICS_API_KEY) when one is set, open otherwise; client keys do not open it. */
export const MetricsAccess = () => SetMetadata(ROUTE_ACCESS, 'metrics' satisfies RouteAccess);

export function routeAccessOf(reflector: Reflector, context: ExecutionContext): RouteAccess {
  return reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]) ?? 'api';
}
