import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import { DetectionOptionsDto } from '../../detection/dto/detection-options.dto';
import { EXAMPLE_PNG_BASE64 } from '../openapi-examples';
import { OUTPUT_NAMES, TENSOR_DATATYPES } from '../detection-tensors';

/** `$request_input`: one named input tensor. */
export class InferenceRequestInputDto {
  @ApiProperty({ description: 'The input tensor\'s name: this model has one input, "image".', example: 'image' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  name: string;

  @ApiProperty({ description: 'The tensor\'s shape: [1] for one image.', type: [Number], example: [1] })
  @IsArray()
  @ArrayMaxSize(8)
  @IsInt({ each: true })
  @Min(0, { each: true })
  shape: number[];

  @ApiProperty({ description: 'Element type: BYTES for an encoded image file.', enum: TENSOR_DATATYPES, example: 'BYTES' })
  @IsIn(TENSOR_DATATYPES)
  datatype: string;

  @ApiPropertyOptional({ description: 'Per-input parameters: none are used (accepted and ignored).', type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;

  @ApiProperty({
    description: 'The tensor\'s elements, flattened or nested, row-major. For "image": one string, the image file (JPEG, PNG, BMP, TIFF or GIF) in base64.',
    type: 'array',
    items: {},
    example: [EXAMPLE_PNG_BASE64],
  })
  @IsArray()
  data: unknown[];
}

/** `$request_output`: an output the client wants back. */
export class InferenceRequestOutputDto {
  @ApiProperty({ enum: OUTPUT_NAMES, example: 'boxes' })
  @IsString()
  @MaxLength(256)
  name: string;

  @ApiPropertyOptional({ description: 'Per-output parameters: none are used (accepted and ignored).', type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;
}

/**
 * The request's `parameters`: the thresholds of POST /predict under the same names. The protocol's parameter values
 * are scalars, so `classes` is a comma-separated string here (an array is accepted too). Other keys are ignored.
 */
export class InferenceParametersDto extends DetectionOptionsDto {}

/** `$inference_request`: POST /v2/models/{name}/infer. */
export class InferenceRequestDto {
  @ApiPropertyOptional({ description: 'An identifier for the request, returned in the response.', example: '42' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  id?: string;

  @ApiPropertyOptional({
    type: InferenceParametersDto,
    description: 'Detection thresholds: confidence_threshold, iou_threshold, max_detections, classes ("person,bus"). Defaults are AutoShape\'s; the response echoes the values applied.',
    example: { confidence_threshold: 0.25, iou_threshold: 0.45, max_detections: 1000 },
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => InferenceParametersDto)
  parameters?: InferenceParametersDto;

  @ApiProperty({ type: [InferenceRequestInputDto], description: 'The input tensors: exactly one, "image".' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @ValidateNested({ each: true })
  @Type(() => InferenceRequestInputDto)
  inputs: InferenceRequestInputDto[];

  @ApiPropertyOptional({ type: [InferenceRequestOutputDto], description: 'The outputs to return, in this order. Default: all four.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(OUTPUT_NAMES.length)
  @ValidateNested({ each: true })
  @Type(() => InferenceRequestOutputDto)
  outputs?: InferenceRequestOutputDto[];
}
