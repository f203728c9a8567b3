import { Body, Controller, HttpCode, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ImageUploadInterceptor } from './image-upload.interceptor';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiImageErrors } from './api-image-errors.decorator';
import { RequestSignal } from '../common/request-signal.decorator';
import { CompareService } from './compare.service';
import { CompareRequestDto } from './dto/compare-request.dto';
import { CompareResponseDto } from './dto/compare-response.dto';
import { requestImage } from './request-image';

@ApiTags('detection')
@Controller('predict')
export class CompareController {
  constructor(private readonly comparison: CompareService) {}

  @Post('compare')
  @HttpCode(200)
  @UseInterceptors(ImageUploadInterceptor)
  @ApiOperation({
    summary: 'Run several models on one image and compare them',
    description:
      'Runs the models (default: all) one after another on the same image, so their timings are comparable, and returns each ' +
      "model's detections and stage timings as /predict does, plus agreement figures for every pair of models: boxes of the same " +
      'class with IoU ≥ 0.5 (`agreement_iou_threshold`) count as the same object. Models that are not installed are listed under ' +
      '`skipped` with the way to install them; the request fails (503) only when none can run. JSON (base64 image) or multipart upload.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiOkResponse({ type: CompareResponseDto })
  @ApiImageErrors({ serviceUnavailable: 'None of the requested models is installed or loaded.' })
  compare(@Body() body: CompareRequestDto, @RequestSignal() signal: AbortSignal, @UploadedFile() file?: Express.Multer.File): Promise<CompareResponseDto> {
    return this.comparison.compare(requestImage(file, body.image), body, signal);
  }
}
