import { Body, Controller, HttpCode, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ImageUploadInterceptor } from './image-upload.interceptor';
import { ApiConsumes, ApiGatewayTimeoutResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiImageErrors } from './api-image-errors.decorator';
import { TimingInterceptor } from '../common/timing.interceptor';
import { DetectionService } from './detection.service';
import { PredictRequestDto, PredictUploadDto } from './dto/predict-request.dto';
import { PredictResponseDto } from './dto/predict-response.dto';
import { ErrorResponseDto } from '../common/error-response.dto';
import { RequestSignal } from '../common/request-signal.decorator';
import { requestImage } from './request-image';
import { transferImage } from '../inference/transferred-image';

@ApiTags('detection')
@Controller()
export class DetectionController {
  constructor(private readonly detection: DetectionService) {}

  @Post('predict')
  @HttpCode(200)
  @UseInterceptors(ImageUploadInterceptor, TimingInterceptor)
  @ApiOperation({
    summary: 'Detect objects in one image',
    description:
      'JSON with a base64 image (the original app\'s contract) or multipart/form-data with an image file. ' +
      'Boxes are integer pixels of the upright (EXIF-rotated) image (sub-pixel floats with `float_boxes`); `time` is the inference time in seconds; ' +
      'the `Server-Timing` header gives decode, preprocess, inference and postprocess durations.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiOkResponse({ type: PredictResponseDto })
  @ApiImageErrors({
    payloadTooLarge: 'Body larger than the configured limit, or an image whose header declares more pixels than the limit.',
    serviceUnavailable: 'The model is not installed or still loading, the queue is full, or the service is shutting down (see Retry-After).',
  })
  @ApiGatewayTimeoutResponse({ type: ErrorResponseDto, description: 'The detection did not finish within the request timeout.' })
  predict(@Body() body: PredictRequestDto, @RequestSignal() signal: AbortSignal, @UploadedFile() file?: Express.Multer.File): Promise<PredictResponseDto> {
    return this.detection.predict(body.model, transferImage(requestImage(file, body.image)), body, signal);
  }
}
