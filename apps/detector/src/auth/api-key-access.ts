import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import type { HandshakeRefusal } from '../stream/stream-ws.adapter';
import { KeyIdentity, keyMatcher, presentedKey, presentedStreamKey, STREAM_KEY_PARAM, STREAM_KEY_PROTOCOL_PREFIX } from './api-keys';

/** The challenge sent with every 401 (RFC 6750); `error="invalid_token"` when the key sent is wrong. */
const challenge = (wrongKey: boolean) => `Bearer realm="yolov5-detector"${wrongKey ? ', error="invalid_token"' : ''}`;

/** Why a request is refused: its message and WWW-Authenticate challenge. */
export interface KeyRefusal {
  detail: string;
  challenge: string;
}

/** The outcome of checking a request's key: who it is (a fingerprint; null when no key is needed) or why it is refused. */
export type KeyCheck = { identity: KeyIdentity | null } | { refusal: KeyRefusal };

/** The 401 for a refusal, its challenge set on the response. */
export function unauthorized(refusal: KeyRefusal, response: Pick<ServerResponse, 'setHeader'>): UnauthorizedException {
  response.setHeader('WWW-Authenticate', refusal.challenge);
  return new UnauthorizedException(refusal.detail);
}

function check(match: ReturnType<typeof keyMatcher> | null, presented: string | undefined, howToSend: string): KeyCheck {
  if (!match) return { identity: null };
  if (presented === undefined) return { refusal: { detail: `An API key is required: send it as ${howToSend}.`, challenge: challenge(false) } };
  const identity = match(presented);
  return identity ? { identity } : { refusal: { detail: 'The API key is not valid.', challenge: challenge(true) } };
}

const HEADER_FORMS = '"Authorization: Bearer <key>" or "X-API-Key: <key>"';

/** The configured client and metrics keys (API_KEYS[_FILE], METRICS_API_KEY[_FILE]) and the checks made with them. */
@Injectable()
export class ApiKeyAccess {
  private readonly clientKeys: ReturnType<typeof keyMatcher> | null;
  private readonly metricsKeys: ReturnType<typeof keyMatcher> | null;

  constructor(@Inject(detectorConfig.KEY) config: DetectorConfig) {
    const client = [...config.apiKeys, ...config.apiKeysFromFile];
    const metrics = [...config.metricsApiKeys, ...config.metricsApiKeysFromFile];
    this.clientKeys = client.length > 0 ? keyMatcher(client) : null;
    this.metricsKeys = metrics.length > 0 ? keyMatcher(metrics) : null;
  }

  get keysRequired(): boolean {
    return this.clientKeys !== null;
  }

  checkClient(headers: IncomingMessage['headers']): KeyCheck {
    return check(this.clientKeys, presentedKey(headers), HEADER_FORMS);
  }

  checkMetrics(headers: IncomingMessage['headers']): KeyCheck {
    return check(this.metricsKeys, presentedKey(headers), `${HEADER_FORMS} with the metrics key`);
  }

  /** The /stream handshake's key check: a 401 before the upgrade, in the service's error format. */
  readonly refuseStreamWithoutKey = (request: IncomingMessage): HandshakeRefusal | undefined => {
    const outcome = check(this.clientKeys, presentedStreamKey(request.url ?? '/', request.headers['sec-websocket-protocol']) ?? presentedKey(request.headers), `the URL parameter "${STREAM_KEY_PARAM}=<key>", the subprotocol "${STREAM_KEY_PROTOCOL_PREFIX}<key in base64url>" or ${HEADER_FORMS}`);
    if (!('refusal' in outcome)) return undefined;
    return { status: 401, detail: outcome.refusal.detail, headers: { 'WWW-Authenticate': outcome.refusal.challenge } };
  };
}
