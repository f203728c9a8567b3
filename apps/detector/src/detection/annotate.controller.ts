import { Body, Controller, HttpCode, NotAcceptableException, Post, Req, Res, StreamableFile, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ImageUploadInterceptor } from './image-upload.interceptor';
import { ApiConsumes, ApiGatewayTimeoutResponse, ApiHeader, ApiNotAcceptableResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ANNOTATED_IMAGE_MIME_TYPES, AnnotatedImageFormat, serverTimingHeader, StageTimings } from '@app/vision';
import { ErrorResponseDto } from '../common/error-response.dto';
import { ApiImageErrors } from './api-image-errors.decorator';
import { RequestSignal } from '../common/request-signal.decorator';
import { CatalogService } from '../catalog/catalog.service';
import { transferImage } from '../inference/transferred-image';
import { AnnotationService } from './annotation.service';
import { DetectionService } from './detection.service';
import { ANNOTATED_IMAGE_FORMATS, AnnotateRequestDto } from './dto/annotate-request.dto';
import { requestImage } from './request-image';

const binaryImage = { schema: { type: 'string', format: 'binary' } };

@ApiTags('detection')
@Controller('predict')
export class AnnotateController {
  constructor(
    private readonly detection: DetectionService,
    private readonly annotation: AnnotationService,
    private readonly catalog: CatalogService,
  ) {}

  @Post('annotated')
  @HttpCode(200)
  @UseInterceptors(ImageUploadInterceptor)
  @ApiOperation({
    summary: 'Detect objects and get the image back with the boxes drawn',
    description:
      'Same bodies and options as /predict. Answers the upright (EXIF-rotated) image with one box and one label ' +
      '("class confidence") per detection, coloured per class, as PNG or JPEG: the `format` field decides, otherwise the ' +
      'Accept header, PNG by default. `X-Detection-Count` gives the number of boxes; `Server-Timing` the stage durations, annotation included.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiHeader({ name: 'Accept', required: false, description: 'image/png or image/jpeg (ignored when `format` is given).', schema: { type: 'string', example: 'image/jpeg' } })
  @ApiOkResponse({
    description: 'The annotated image.',
    content: { 'image/png': binaryImage, 'image/jpeg': binaryImage },
    headers: {
      'X-Detection-Count': { description: 'Number of boxes drawn.', schema: { type: 'integer', example: 4 } },
      'Server-Timing': { description: 'decode, preprocess, inference, postprocess and annotate durations (ms).', schema: { type: 'string' } },
    },
  })
  @ApiImageErrors({
    serviceUnavailable: 'The model is not installed or still loading, or annotated requests are at capacity (Retry-After).',
    payloadTooLarge: 'Body larger than the configured limit, or an image over ANNOTATE_MAX_MEGAPIXELS.',
  })
  @ApiNotAcceptableResponse({ type: ErrorResponseDto, description: 'The Accept header allows neither image/png nor image/jpeg, and no `format` was given.' })
  @ApiGatewayTimeoutResponse({ type: ErrorResponseDto, description: 'The detection and drawing did not finish within REQUEST_TIMEOUT_MS.' })
  async annotate(
    @Body() body: AnnotateRequestDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @RequestSignal() signal: AbortSignal,
    @UploadedFile() file?: Express.Multer.File,
  ): Promise<StreamableFile> {
    const format = body.format ?? this.negotiateFormat(request);
    const image = requestImage(file, body.image);
    this.annotation.checkCost(image);
    const { result, annotated } = await this.annotation.schedule(async (abandon) => {
      // The detection takes a copy (handed over to a runner thread); the original goes to the drawing thread.
      const result = await this.detection.predict(body.model, transferImage(new Uint8Array(image)), body, abandon);
      const classNames = this.catalog.get(body.model)?.description?.classNames;
      return { result, annotated: await this.annotation.annotate(transferImage(image), result.detections, { format, classNames }, abandon) };
    }, signal);
    response.setHeader('X-Detection-Count', String(result.detections.length));
    const stages: StageTimings & { annotate: number } = { ...result.timings, annotate: annotated.durationMs };
    response.setHeader('Server-Timing', serverTimingHeader(stages));
    response.setHeader('Vary', 'Accept');
    return new StreamableFile(annotated.bytes, { type: annotated.mimeType, length: annotated.bytes.byteLength });
  }

  private negotiateFormat(request: Request): AnnotatedImageFormat {
    const accepted = request.accepts(ANNOTATED_IMAGE_FORMATS.map((format) => ANNOTATED_IMAGE_MIME_TYPES[format]));
    const format = ANNOTATED_IMAGE_FORMATS.find((candidate) => ANNOTATED_IMAGE_MIME_TYPES[candidate] === accepted);
    if (!format) throw new NotAcceptableException('Accept allows neither image/png nor image/jpeg: accept one of them or send format=png|jpeg.');
    return format;
  }
}
