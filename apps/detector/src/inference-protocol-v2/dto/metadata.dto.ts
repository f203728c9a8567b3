import { ApiProperty } from '@nestjs/swagger';
import { TENSOR_DATATYPES } from '../detection-tensors';

/** `$metadata_server_response`. */
export class ServerMetadataDto {
  @ApiProperty({ example: 'yolov5-detector' })
  name: string;

  @ApiProperty({ example: '1.0.0' })
  version: string;

  @ApiProperty({ type: [String], description: 'Protocol extensions supported: none.', example: [] })
  extensions: string[];
}

/** `$metadata_tensor`. */
export class TensorMetadataDto {
  @ApiProperty({ example: 'image' })
  name: string;

  @ApiProperty({ enum: TENSOR_DATATYPES, example: 'BYTES' })
  datatype: string;

  @ApiProperty({ type: [Number], description: '-1 marks a dimension that varies (the number of detections).', example: [1] })
  shape: number[];
}

/** `$metadata_model_response`. */
export class ModelMetadataDto {
  @ApiProperty({ example: 'yolov5s' })
  name: string;

  @ApiProperty({ description: 'The framework: an ONNX model run by ONNX Runtime.', example: 'onnx_onnxv1' })
  platform: string;

  @ApiProperty({ type: [TensorMetadataDto], example: [{ name: 'image', datatype: 'BYTES', shape: [1] }] })
  inputs: TensorMetadataDto[];

  @ApiProperty({
    type: [TensorMetadataDto],
    example: [
      { name: 'boxes', datatype: 'FP32', shape: [-1, 4] },
      { name: 'scores', datatype: 'FP32', shape: [-1] },
      { name: 'class_ids', datatype: 'INT32', shape: [-1] },
      { name: 'class_names', datatype: 'BYTES', shape: [-1] },
    ],
  })
  outputs: TensorMetadataDto[];
}

export class ServerLiveDto {
  @ApiProperty({ example: true })
  live: boolean;
}

export class ServerReadyDto {
  @ApiProperty({ example: true })
  ready: boolean;
}

/** `$ready_model_response`. */
export class ModelReadyDto {
  @ApiProperty({ example: 'yolov5s' })
  name: string;

  @ApiProperty({ example: true })
  ready: boolean;
}

/** The protocol's error object, on every /v2 route. */
export class InferenceErrorDto {
  @ApiProperty({ example: 'Unknown model "yolov9". Available models: yolov5s, yolov5m, yolov5l.' })
  error: string;
}
