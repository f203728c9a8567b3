import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { DEFAULT_DETECT_OPTIONS, MAX_NMS_CANDIDATES } from '@app/vision';

/** Comma-separated text (multipart forms) or a JSON array, as an array of trimmed names. */
export const toNameList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((name) => name.trim()).filter(Boolean) : value;

/**
 * Numeric text (multipart form fields) as a number; anything else is left for @IsNumber to refuse (422). Unlike
 * `@Type(() => Number)`, an empty field or `true` does not quietly become 0 or 1.
 */
export const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;

/** "true"/"false" text (multipart form fields) as a boolean; anything else is left for @IsBoolean to refuse (422). */
export const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** Optional tuning shared by the JSON and multipart forms of POST /predict. Defaults are AutoShape's. */
export class DetectionOptionsDto {
  @ApiPropertyOptional({ description: 'Minimum confidence of a box: objectness × class score for a YOLOv5 model, the class score for a YOLOv8/YOLO11 one, the score of an end-to-end one.', minimum: 0, maximum: 1, default: DEFAULT_DETECT_OPTIONS.confidenceThreshold, example: 0.25 })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  confidence_threshold?: number;

  @ApiPropertyOptional({ description: 'IoU above which a less confident box of the same class is suppressed. An end-to-end model (`head_layout` end2end) selected its boxes inside the graph: no NMS runs and this has no effect.', minimum: 0, maximum: 1, default: DEFAULT_DETECT_OPTIONS.iouThreshold, example: 0.45 })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  iou_threshold?: number;

  @ApiPropertyOptional({ description: 'Maximum number of boxes returned.', minimum: 1, maximum: MAX_NMS_CANDIDATES, default: DEFAULT_DETECT_OPTIONS.maxDetections, example: 1000 })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(MAX_NMS_CANDIDATES)
  max_detections?: number;

  // The empty example is what Swagger UI's try-it-out form starts with: a filled one would filter a user's first try
  // (and answer 422 for a model without those classes). The example proper lives in the description.
  @ApiPropertyOptional({
    description:
      'Only report these classes (names as in the model, see GET /models/{name}), e.g. `["person", "bus"]`; multipart: comma-separated, e.g. `person,bus`. Absent or empty: every class.',
    type: [String],
    example: [],
  })
  @IsOptional()
  @Transform(toNameList)
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  classes?: string[];

  @ApiPropertyOptional({
    description:
      'Sub-pixel boxes: corners as floats rounded to 1/100 pixel instead of the integers (truncated, as the original app answers) ' +
      'given by default. On coco128 truncation costs about 0.007 mAP@0.5:0.95.',
    default: false,
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  float_boxes?: boolean;
}
