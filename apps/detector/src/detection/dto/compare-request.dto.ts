import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { AGREEMENT_IOU_THRESHOLD } from '@app/vision';
import { DetectionOptionsDto, toNameList, toNumber } from './detection-options.dto';
import { Base64ImageField, ImageFileField } from './request-fields';

/** A bound on the list's length against abuse, not on the models served (names are deduplicated, unknown ones refused). */
export const MAX_COMPARED_MODELS = 100;

/** The comparison's own fields, shared by its JSON and multipart forms; the detection options apply to every model. */
export class CompareOptionsDto extends DetectionOptionsDto {
  @ApiPropertyOptional({
    description: 'Models to run, in this order: any of GET /models. Default: all served models. Multipart: comma-separated.',
    type: [String],
    example: ['yolov5s', 'yolov5l'],
  })
  @IsOptional()
  @Transform(toNameList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_COMPARED_MODELS)
  @IsString({ each: true })
  models?: string[];

  @ApiPropertyOptional({
    description: 'Two boxes of two models count as the same object when their classes are equal and their IoU reaches this.',
    minimum: 0.05,
    maximum: 1,
    default: AGREEMENT_IOU_THRESHOLD,
    example: 0.5,
  })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.05)
  @Max(1)
  agreement_iou_threshold?: number;
}

/** JSON body of POST /predict/compare. */
export class CompareRequestDto extends CompareOptionsDto {
  @Base64ImageField()
  image?: string;
}

/** multipart/form-data body of POST /predict/compare. */
export class CompareUploadDto extends CompareOptionsDto {
  @ImageFileField()
  image?: unknown;
}
