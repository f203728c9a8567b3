import { ApiProperty } from '@nestjs/swagger';
import { MODEL_STATUSES, ModelStatus } from '../../model-registry/model-registry.service';

export class ModelStateDto {
  @ApiProperty({ example: 'yolov5s' })
  name: string;
  @ApiProperty({ enum: MODEL_STATUSES, example: 'loaded' })
  status: ModelStatus;
  @ApiProperty({ description: 'The model file is present.', example: true })
  available: boolean;
  @ApiProperty({ description: 'At least one inference worker has it loaded.', example: true })
  loaded: boolean;
  @ApiProperty({ description: 'Source file.', example: '/app/models/yolov5s.onnx' })
  file: string;
  @ApiProperty({ nullable: true, type: String, description: 'Why loading failed.' })
  error: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'How to install the model when it is missing.' })
  install_hint: string | null;
  @ApiProperty({ nullable: true, description: 'Input shape; strings are dynamic axes.', example: [1, 3, 640, 640], type: 'array', items: {} })
  input_shape: (number | string)[] | null;
  @ApiProperty({ nullable: true, example: [1, 25200, 85], type: 'array', items: {} })
  output_shape: (number | string)[] | null;
  @ApiProperty({ nullable: true, type: Number, example: 32 })
  stride: number | null;
  @ApiProperty({ nullable: true, type: [String], example: ['person', 'bicycle'] })
  classes: string[] | null;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'A random-weight stand-in (`npm run models:generate`): real speed, but it finds nothing in photos. Null when the file cannot be read.',
    example: false,
  })
  random_weights: boolean | null;
  @ApiProperty({ nullable: true, type: String, description: 'A sentence for people when the model will not give real detections (random weights).', example: null })
  notice: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Load + warm-up time in ms.' })
  load_ms: number | null;
  @ApiProperty({ description: 'Inference workers holding a session for it.', example: 2 })
  workers_loaded: number;
}
