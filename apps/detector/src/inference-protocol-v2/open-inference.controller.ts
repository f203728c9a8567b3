import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { DEFAULT_MODEL_NAMES } from '@app/model-store';
import { Public } from '../auth/route-access.decorator';
import { RequestSignal } from '../common/request-signal.decorator';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { InferenceRequestDto } from './dto/inference-request.dto';
import { InferenceResponseDto } from './dto/inference-response.dto';
import { InferenceErrorDto, ModelMetadataDto, ModelReadyDto, ServerLiveDto, ServerMetadataDto, ServerReadyDto } from './dto/metadata.dto';
import { OpenInferenceService } from './open-inference.service';
import { INFER_ERROR_EXAMPLES, INFER_REQUEST_EXAMPLES } from './openapi-examples';

const ModelNameParam = () => ApiParam({ name: 'name', description: 'A served model.', example: DEFAULT_MODEL_NAMES[0] });

/** The Open Inference Protocol (KServe v2) REST endpoints: translate HTTP to OpenInferenceService calls. */
@ApiTags('open inference protocol (KServe v2)')
@Controller('v2')
export class OpenInferenceController {
  constructor(
    private readonly inference: OpenInferenceService,
    @Inject(detectorConfig.KEY) private readonly config: DetectorConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Server metadata: name, version, extensions' })
  @ApiOkResponse({ type: ServerMetadataDto })
  serverMetadata(): ServerMetadataDto {
    return this.inference.serverMetadata();
  }

  @Get('health/live')
  @Public()
  @ApiOperation({ summary: 'Server live: 200 while the process answers (also while loading models and shutting down)' })
  @ApiOkResponse({ type: ServerLiveDto })
  live(): ServerLiveDto {
    return { live: true };
  }

  @Get('health/ready')
  @Public()
  @ApiOperation({ summary: 'Server ready: 200 when the models can serve, 503 while loading, with no model installed, or shutting down' })
  @ApiOkResponse({ type: ServerReadyDto })
  @ApiServiceUnavailableResponse({ type: ServerReadyDto, description: '`{"ready": false}` with Retry-After.' })
  ready(@Res({ passthrough: true }) response: Response): ServerReadyDto {
    return { ready: this.answerReadiness(response, this.inference.isServerReady()) };
  }

  @Get('models/:name')
  @ModelNameParam()
  @ApiOperation({ summary: "Model metadata: platform, the input (one BYTES image) and the outputs' names, datatypes and shapes" })
  @ApiOkResponse({ type: ModelMetadataDto })
  @ApiNotFoundResponse({ type: InferenceErrorDto, description: 'Unknown model.' })
  modelMetadata(@Param('name') name: string): ModelMetadataDto {
    return this.inference.modelMetadata(name);
  }

  @Get('models/:name/ready')
  @ModelNameParam()
  @ApiOperation({ summary: 'Model ready: 200 when the model can serve (loaded, or loads on first use), 503 while loading, missing or broken' })
  @ApiOkResponse({ type: ModelReadyDto })
  @ApiServiceUnavailableResponse({ type: ModelReadyDto, description: '`{"name", "ready": false}` with Retry-After.' })
  @ApiNotFoundResponse({ type: InferenceErrorDto, description: 'Unknown model.' })
  modelReady(@Param('name') name: string, @Res({ passthrough: true }) response: Response): ModelReadyDto {
    return { name, ready: this.answerReadiness(response, this.inference.isModelReady(name)) };
  }

  @Post('models/:name/infer')
  @HttpCode(200)
  @ModelNameParam()
  @ApiOperation({
    summary: 'Detect objects in one image',
    description:
      'The image is the BYTES input "image" (shape [1]; data: the file in base64); thresholds are request parameters. ' +
      'Outputs: boxes (FP32 [N,4], pixel corners of the upright image), scores (FP32 [N]), class_ids (INT32 [N]), class_names (BYTES [N]).',
  })
  @ApiBody({ type: InferenceRequestDto, examples: INFER_REQUEST_EXAMPLES })
  @ApiOkResponse({ type: InferenceResponseDto })
  @ApiBadRequestResponse({
    type: InferenceErrorDto,
    description: 'Malformed request, wrong input or output names, out-of-range parameters, invalid base64, not an image or a broken image.',
    examples: INFER_ERROR_EXAMPLES[400],
  })
  @ApiNotFoundResponse({ type: InferenceErrorDto, description: 'Unknown model.', examples: INFER_ERROR_EXAMPLES[404] })
  @ApiPayloadTooLargeResponse({ type: InferenceErrorDto, description: 'Body over the limit, or an image with more pixels than the limit.', examples: INFER_ERROR_EXAMPLES[413] })
  @ApiUnsupportedMediaTypeResponse({ type: InferenceErrorDto, description: 'An image format the service does not decode (WebP, HEIC, ...).', examples: INFER_ERROR_EXAMPLES[415] })
  @ApiServiceUnavailableResponse({
    type: InferenceErrorDto,
    description: 'The model is not installed or still loading, the queue is full, or the service is shutting down (see Retry-After).',
    examples: INFER_ERROR_EXAMPLES[503],
  })
  @ApiGatewayTimeoutResponse({ type: InferenceErrorDto, description: 'The detection did not finish within the request timeout.', examples: INFER_ERROR_EXAMPLES[504] })
  infer(@Param('name') name: string, @Body() request: InferenceRequestDto, @RequestSignal() signal: AbortSignal): Promise<InferenceResponseDto> {
    return this.inference.infer(name, request, signal);
  }

  /** The protocol's health answers carry their result in the status: 200 true, 503 (with Retry-After) false. */
  private answerReadiness(response: Response, ready: boolean): boolean {
    if (!ready) response.status(HttpStatus.SERVICE_UNAVAILABLE).setHeader('Retry-After', String(this.config.retryAfterSeconds));
    return ready;
  }
}
