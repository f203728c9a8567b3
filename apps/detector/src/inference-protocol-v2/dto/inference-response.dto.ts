import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OUTPUT_NAMES, TENSOR_DATATYPES } from '../detection-tensors';

/** `$response_output`: one output tensor, its data flattened row-major. */
export class InferenceResponseOutputDto {
  @ApiProperty({ enum: OUTPUT_NAMES, example: 'boxes' })
  name: string;

  @ApiProperty({ type: [Number], description: 'N detections: boxes [N, 4], the others [N].', example: [2, 4] })
  shape: number[];

  @ApiProperty({ enum: TENSOR_DATATYPES, example: 'FP32' })
  datatype: string;

  @ApiProperty({
    type: 'array',
    items: {},
    description:
      'boxes: x_min, y_min, x_max, y_max per detection, in pixels of the upright (EXIF-rotated) image; scores: confidence (3 decimals); ' +
      "class_ids: index in the model's classes; class_names: the class names.",
    example: [236, 286, 573, 793, 253, 320, 624, 793],
  })
  data: (number | string)[];
}

/** The response's `parameters`: the options the detection ran with, and the size of the image the boxes refer to. */
export class InferenceResponseParametersDto {
  @ApiProperty({ example: 0.25 })
  confidence_threshold: number;
  @ApiProperty({ example: 0.45 })
  iou_threshold: number;
  @ApiProperty({ example: 1000 })
  max_detections: number;
  @ApiPropertyOptional({ description: 'The classes kept, comma-separated; absent when all are.', example: 'person,bus' })
  classes?: string;
  @ApiProperty({ description: 'Width of the upright image: the space of the boxes.', example: 810 })
  image_width: number;
  @ApiProperty({ example: 1080 })
  image_height: number;
}

/** `$inference_response`. */
export class InferenceResponseDto {
  @ApiProperty({ example: 'yolov5s' })
  model_name: string;

  @ApiPropertyOptional({ description: "The request's id, when it had one.", example: '42' })
  id?: string;

  @ApiProperty({ type: InferenceResponseParametersDto })
  parameters: InferenceResponseParametersDto;

  @ApiProperty({ type: [InferenceResponseOutputDto] })
  outputs: InferenceResponseOutputDto[];
}
