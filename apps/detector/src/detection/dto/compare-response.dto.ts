import { ApiProperty } from '@nestjs/swagger';
import { PredictResponseDto, SizeDto } from './predict-response.dto';

export class SkippedModelDto {
  @ApiProperty({ example: 'yolov5l' })
  model: string;

  @ApiProperty({ description: 'The status /predict would have answered for this model alone.', example: 503 })
  status: number;

  @ApiProperty({ description: 'Why it did not run, with how to install it when it is missing.', example: 'Model yolov5l is not installed: the service\'s models folder has no yolov5l.onnx. See "Models" in the README to add it.' })
  detail: string;
}

export class BoxMatchDto {
  @ApiProperty({ description: "Index into model_a's detections.", example: 0 })
  a: number;

  @ApiProperty({ description: "Index into model_b's detections.", example: 1 })
  b: number;

  @ApiProperty({ description: 'IoU of the two boxes, 3 decimals.', example: 0.912 })
  iou: number;
}

/** How far two models agree on one image. */
export class ModelPairAgreementDto {
  @ApiProperty({ example: 'yolov5s' })
  model_a: string;

  @ApiProperty({ example: 'yolov5l' })
  model_b: string;

  @ApiProperty({ description: "Number of model_a's detections.", example: 5 })
  boxes_a: number;

  @ApiProperty({ description: "Number of model_b's detections.", example: 6 })
  boxes_b: number;

  @ApiProperty({ description: 'Objects both models found: one-to-one pairs of boxes with the same class and IoU ≥ the threshold.', example: 4 })
  matched: number;

  @ApiProperty({
    description: "matched / boxes_a: the share of model_a's boxes that model_b confirms (model_b's recall, taking model_a as the reference). Null when model_a found nothing.",
    nullable: true,
    type: Number,
    example: 0.8,
  })
  matched_share_of_a: number | null;

  @ApiProperty({
    description: "matched / boxes_b: the share of model_b's boxes that model_a confirms (model_b's precision, taking model_a as the reference). Null when model_b found nothing.",
    nullable: true,
    type: Number,
    example: 0.667,
  })
  matched_share_of_b: number | null;

  @ApiProperty({ description: '2·matched / (boxes_a + boxes_b), the harmonic mean of the two shares. Null when neither found anything.', nullable: true, type: Number, example: 0.727 })
  f1: number | null;

  @ApiProperty({ description: 'Mean IoU of the matched pairs. Null without matches.', nullable: true, type: Number, example: 0.874 })
  mean_iou: number | null;

  @ApiProperty({
    type: [BoxMatchDto],
    description:
      'The matched pairs. Pairs are chosen in order of their less confident box, so the pairs whose boxes both reach a confidence c are exactly ' +
      'the matching of the two outputs filtered at c: a client may raise the confidence threshold and keep these pairs without matching again.',
  })
  matches: BoxMatchDto[];
}

export class AgreementDto {
  @ApiProperty({ description: 'Minimum IoU of two boxes of the same class to count as the same object.', example: 0.5 })
  iou_threshold: number;

  @ApiProperty({ type: [ModelPairAgreementDto], description: 'Every pair of models that ran, in request order.' })
  pairs: ModelPairAgreementDto[];
}

/** Side-by-side results of several models on one image. */
export class CompareResponseDto {
  @ApiProperty({ enum: ['sequential'], description: 'How the models ran.', example: 'sequential' })
  execution: 'sequential';

  @ApiProperty({
    example:
      'The models ran one after another, never at the same time, so their timings are comparable. ' +
      'Requests from other clients still share the cores and can slow any of them down.',
  })
  note: string;

  @ApiProperty({ type: SizeDto, description: 'The image size after EXIF orientation: the space of every box.' })
  image: SizeDto;

  @ApiProperty({ type: [PredictResponseDto], description: "Each model's answer, as /predict gives it, in run order." })
  results: PredictResponseDto[];

  @ApiProperty({ type: [SkippedModelDto], description: 'Requested models that could not run (not installed, loading, failed to load).' })
  skipped: SkippedModelDto[];

  @ApiProperty({ type: AgreementDto })
  agreement: AgreementDto;
}
