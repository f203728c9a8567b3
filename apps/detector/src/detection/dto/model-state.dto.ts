import { ApiProperty } from '@nestjs/swagger';
import { HEAD_LAYOUTS, HeadLayout, SHAPE_POLICIES, SHAPE_POLICY_REASONS, ShapePolicy, ShapePolicyReason } from '@app/vision';
import { MODEL_STATUSES, ModelStatus } from '../../catalog/model-state';
import { Int8CpuDto, QuantizationDto } from './quantization.dto';

export class ModelStateDto {
  @ApiProperty({ example: 'yolov5s' })
  name: string;
  @ApiProperty({ enum: MODEL_STATUSES, example: 'loaded' })
  status: ModelStatus;
  @ApiProperty({ description: 'A request for it can run now (perhaps after loading it): its file is there and passed the checks. Never true beside `failed`.', example: true })
  available: boolean;
  @ApiProperty({ description: 'Its runner threads have it loaded (status `loaded`).', example: true })
  loaded: boolean;
  @ApiProperty({ description: "The model's file in the service's models folder.", example: 'yolov5s.onnx' })
  file: string;
  @ApiProperty({ nullable: true, type: String, description: 'Why the file cannot be used (status `failed`).' })
  error: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'What to do when the model is missing.' })
  install_hint: string | null;
  @ApiProperty({ nullable: true, description: 'Input shape; strings are dynamic axes.', example: [1, 3, 640, 640], type: 'array', items: {} })
  input_shape: (number | string)[] | null;
  @ApiProperty({
    nullable: true,
    enum: SHAPE_POLICIES,
    description:
      "How images are letterboxed: `rectangular` into AutoShape's smallest stride-multiple rectangle (the long side at `input_size`), `fixed` into the model's square. Null when the file cannot be read.",
    example: 'rectangular',
  })
  shape_policy: ShapePolicy | null;
  @ApiProperty({
    nullable: true,
    enum: SHAPE_POLICY_REASONS,
    description:
      'Why: `dynamic-export` (its input is dynamic), `static-export-rewritten` (a static export made shape-flexible at load), `pinned-by-config` (`shape_policy: "fixed"` in the models config), `graph-not-recognised` (a static graph the rewrite does not know: it keeps its square).',
    example: 'static-export-rewritten',
  })
  shape_policy_reason: ShapePolicyReason | null;
  @ApiProperty({ nullable: true, example: [1, 25200, 85], type: 'array', items: {} })
  output_shape: (number | string)[] | null;
  @ApiProperty({ nullable: true, type: Number, example: 32 })
  stride: number | null;
  @ApiProperty({
    nullable: true,
    enum: HEAD_LAYOUTS,
    description:
      'How the output reads, recognised from its shape and the Ultralytics metadata (`task`, `end2end`): `yolov5` [1, anchors, 5 + classes] ' +
      '(objectness × class score), `yolov8` [1, 4 + classes, anchors] (YOLOv8, YOLO11: class scores, no objectness), `end2end` [1, 300, 6] ' +
      '(boxes selected inside the graph: no NMS, `iou_threshold` has no effect). Null when the file cannot be used.',
    example: 'yolov5',
  })
  head_layout: HeadLayout | null;
  @ApiProperty({ nullable: true, type: [String], example: ['person', 'bicycle'] })
  classes: string[] | null;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'A random-weight stand-in (`npm run models:generate`): real speed, but it finds nothing in photos. Null when the file cannot be read.',
    example: false,
  })
  random_weights: boolean | null;
  @ApiProperty({
    nullable: true,
    type: QuantizationDto,
    description: 'How an INT8 model was quantized (`npm run models:quantize`, from its `quantization` metadata); null for a float model or when the file cannot be read.',
  })
  quantization: QuantizationDto | null;
  @ApiProperty({
    nullable: true,
    type: Int8CpuDto,
    description: "For an INT8 model: whether this server's CPU has the instructions that make INT8 fast (VNNI). Null for a float model.",
  })
  int8_cpu: Int8CpuDto | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Sentences for people when the model will not give real detections (random weights), is INT8 on a CPU without VNNI (it may be slower than its float twin), or is a static YOLOv8/YOLO11 or end-to-end export (it runs at its fixed square).',
    example: null,
  })
  notice: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Load + warm-up time in ms.' })
  load_ms: number | null;
  @ApiProperty({ description: 'Runner threads holding a session of it (each model has its own).', example: 1 })
  workers_loaded: number;
  @ApiProperty({ description: 'Runner threads the model gets (WORKER_THREADS, or `replicas` in the models config).', example: 1 })
  replicas: number;
  @ApiProperty({ description: "Longest side of a rectangular model's input (INFERENCE_SIZE or the models config); a model with shape_policy `fixed` runs at its own square.", example: 640 })
  input_size: number;
  @ApiProperty({ enum: ['eager', 'lazy'], description: 'Loaded at start or on first use.', example: 'eager' })
  loading: 'eager' | 'lazy';
}
