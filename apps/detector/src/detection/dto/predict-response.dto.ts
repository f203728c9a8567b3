import { ApiProperty } from '@nestjs/swagger';

export class DetectionDto {
  @ApiProperty({ description: 'Left edge in original-image pixels: an integer, or a float with `float_boxes`.', example: 49 })
  x_min: number;
  @ApiProperty({ description: 'Top edge in original-image pixels: an integer, or a float with `float_boxes`.', example: 399 })
  y_min: number;
  @ApiProperty({ description: 'Right edge in original-image pixels: an integer, or a float with `float_boxes`.', example: 243 })
  x_max: number;
  @ApiProperty({ description: 'Bottom edge in original-image pixels: an integer, or a float with `float_boxes`.', example: 903 })
  y_max: number;
  @ApiProperty({ example: 'person' })
  class_name: string;
  @ApiProperty({ description: 'Objectness × class score, 3 decimals.', example: 0.874 })
  confidence: number;
}

export class SizeDto {
  @ApiProperty({ example: 810 })
  width: number;
  @ApiProperty({ example: 1080 })
  height: number;
}

/** The tensor's size: the example's 810×1080 photo letterboxed into AutoShape's rectangle (a pinned model: its square). */
export class InputSizeDto {
  @ApiProperty({ example: 480 })
  width: number;
  @ApiProperty({ example: 640 })
  height: number;
}

export class StageTimingsDto {
  @ApiProperty({ description: 'Image decoding, ms.', example: 41.2 })
  decode: number;
  @ApiProperty({ description: 'Letterbox + normalisation, ms.', example: 6.1 })
  preprocess: number;
  @ApiProperty({ description: 'ONNX Runtime session.run, ms.', example: 80.4 })
  inference: number;
  @ApiProperty({ description: 'Candidate decoding, NMS and box scaling, ms.', example: 1.3 })
  postprocess: number;
}

/** The seed's Result (`detections`, `time`, `model`) plus sizes and per-stage timings. */
export class PredictResponseDto {
  @ApiProperty({ type: [DetectionDto] })
  detections: DetectionDto[];

  @ApiProperty({ description: 'Inference time in seconds (as the original app reports it).', example: 0.0804 })
  time: number;

  @ApiProperty({ example: 'yolov5s' })
  model: string;

  @ApiProperty({ type: SizeDto, description: 'The image size after EXIF orientation: the space of the boxes.' })
  image: SizeDto;

  @ApiProperty({ type: InputSizeDto, description: 'The letterboxed tensor size the model ran at (640×640 for the official exports).' })
  input: InputSizeDto;

  @ApiProperty({ type: StageTimingsDto })
  timings: StageTimingsDto;
}
