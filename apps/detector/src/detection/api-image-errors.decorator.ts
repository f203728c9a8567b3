import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiPayloadTooLargeResponse, ApiServiceUnavailableResponse, ApiUnprocessableEntityResponse, ApiUnsupportedMediaTypeResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto';

/** What a route's 503 (and, where it checks more than the body's size, its 413) means to a client. */
export interface ImageRouteErrorDescriptions {
  serviceUnavailable: string;
  payloadTooLarge?: string;
}

/** The error answers every route that takes an image documents (400, 422, 413, 415, 503), as ErrorResponseDto bodies. */
export function ApiImageErrors({ serviceUnavailable, payloadTooLarge = 'Body larger than the configured limit.' }: ImageRouteErrorDescriptions) {
  return applyDecorators(
    ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Unknown model name, invalid base64, not an image, or a broken image.' }),
    ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Missing or out-of-range fields.' }),
    ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: payloadTooLarge }),
    ApiUnsupportedMediaTypeResponse({ type: ErrorResponseDto, description: 'An image format the service does not decode (WebP, HEIC, ...).' }),
    ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: serviceUnavailable }),
  );
}
