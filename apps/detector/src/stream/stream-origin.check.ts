import type { DetectorConfig } from '../config/detector-config';
import type { HandshakeCheck } from './stream-ws.adapter';

/**
 * With CORS_ORIGINS set, a browser page from another origin may not open a stream (WebSockets are not covered by
 * CORS, so any page a user visits could otherwise reach an internal instance). A request without Origin comes from
 * a non-browser client and stays allowed, as it would over HTTP.
 */
export function streamOriginCheck(allowed: DetectorConfig['corsOrigins']): HandshakeCheck {
  if (allowed === null || allowed === '*') return () => undefined;
  const origins = new Set(allowed.map((origin) => origin.toLowerCase()));
  return (request) => {
    const origin = request.headers.origin;
    if (origin === undefined || origins.has(origin.toLowerCase())) return undefined;
    return { status: 403, detail: 'This origin may not open streams (CORS_ORIGINS).' };
  };
}
