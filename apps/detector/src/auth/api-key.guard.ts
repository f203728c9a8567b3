import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiKeyAccess, unauthorized } from './api-key-access';
import type { KeyIdentity } from './api-keys';
import { routeAccessOf } from './route-access.decorator';

/** A request whose key was accepted carries its fingerprint, for per-key rate limits. */
export type KeyedRequest = Request & { apiKeyIdentity?: KeyIdentity };

/** Global guard: every route needs a client key when keys are configured, except @Public() and @MetricsAccess() ones. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: ApiKeyAccess,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const route = routeAccessOf(this.reflector, context);
    if (route === 'public') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<KeyedRequest>();
    const outcome = route === 'metrics' ? this.access.checkMetrics(request.headers) : this.access.checkClient(request.headers);
    if ('refusal' in outcome) throw unauthorized(outcome.refusal, http.getResponse<Response>());
    if (outcome.identity) request.apiKeyIdentity = outcome.identity;
    return true;
  }
}
