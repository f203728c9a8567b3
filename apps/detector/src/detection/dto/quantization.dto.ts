import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Int8CpuFeatures, QuantizationRecord, TwinAgreement } from '@app/quantize';

export class CalibrationDto {
  @ApiPropertyOptional({ description: 'How the activation ranges were found.', example: 'percentile' })
  method?: string;
  @ApiPropertyOptional({ description: 'Share of the calibration values kept inside each range, in percent.', example: 99.999 })
  percentile?: number;
  @ApiPropertyOptional({ description: 'Calibration photos the float model ran on.', example: 32 })
  images?: number;
}

/** How far the INT8 model's answers agreed with its float model's when it was made (both at the default request settings). */
export class TwinAgreementDto {
  @ApiProperty({ description: 'Photos both models ran on.', example: 16 })
  photos: number;
  @ApiProperty({ description: 'Whether they were other photos than the calibration ones.', example: true })
  held_out: boolean;
  @ApiProperty({ description: 'Confidence threshold of the detections compared.', example: 0.25 })
  confidence_threshold: number;
  @ApiProperty({ description: 'IoU at which two boxes of the same class count as the same object.', example: 0.5 })
  iou_threshold: number;
  @ApiProperty({ example: 92 })
  boxes_float: number;
  @ApiProperty({ example: 90 })
  boxes_int8: number;
  @ApiProperty({ description: 'Boxes the two models share.', example: 86 })
  matched: number;
  @ApiProperty({ nullable: true, type: Number, description: '2·matched / (boxes_float + boxes_int8); null when neither found anything.', example: 0.945 })
  f1: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Mean IoU of the matched boxes; null without matches.', example: 0.93 })
  mean_iou: number | null;
}

/** The quantizer's record, read from the model file's `quantization` metadata entry. */
export class QuantizationDto {
  @ApiProperty({ nullable: true, type: String, description: 'Graph format ONNX Runtime fuses into its integer kernels.', example: 'QDQ' })
  format: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'int8 symmetric per output channel' })
  weights: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'uint8 asymmetric per tensor' })
  activations: string | null;
  @ApiProperty({ type: CalibrationDto, description: 'How the activation ranges were measured (other keys a tool wrote are passed on).' })
  calibration: CalibrationDto;
  @ApiProperty({ nullable: true, type: String, description: 'The float model it was made from (file name).', example: 'yolov5n.onnx' })
  source: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Nodes that run in INT8.', example: 180 })
  quantized_nodes: number | null;
  @ApiProperty({ type: [String], description: 'Convs kept in float, and why.', example: ['/model.0/conv/Conv (reads the graph input)'] })
  float_convs: string[];
  @ApiProperty({
    type: TwinAgreementDto,
    nullable: true,
    description: 'Its agreement with the float model, measured when it was made (null for a twin made without the check).',
  })
  agreement: TwinAgreementDto | null;
}

export function quantizationDto(record: Partial<QuantizationRecord>): QuantizationDto {
  return {
    format: record.format ?? null,
    weights: record.weights ?? null,
    activations: record.activations ?? null,
    calibration: (record.calibration ?? {}) as CalibrationDto,
    source: record.source ?? null,
    quantized_nodes: record.quantizedNodes ?? null,
    float_convs: record.floatConvs ?? [],
    agreement: record.agreement ? twinAgreementDto(record.agreement) : null,
  };
}

const twinAgreementDto = (agreement: TwinAgreement): TwinAgreementDto => ({
  photos: agreement.photos,
  held_out: agreement.heldOut,
  confidence_threshold: agreement.confidenceThreshold,
  iou_threshold: agreement.iouThreshold,
  boxes_float: agreement.boxesFloat,
  boxes_int8: agreement.boxesInt8,
  matched: agreement.matched,
  f1: agreement.f1,
  mean_iou: agreement.meanIou,
});

/** The host CPU's features that decide whether INT8 pays (read from /proc/cpuinfo). */
export class Int8CpuDto {
  @ApiProperty({ description: 'VNNI (AVX-512 VNNI, AVX-VNNI or AMX-INT8): one instruction per uint8×int8 multiply-accumulate. Without it INT8 may be slower than float.', example: true })
  vnni: boolean;
  @ApiProperty({ type: [String], description: 'The relevant CPU flags present.', example: ['avx2', 'avx512f', 'avx512bw', 'avx512_vnni'] })
  flags: string[];
  @ApiProperty({ example: 'INT8 fast path available (avx512_vnni)' })
  summary: string;
}

export const int8CpuDto = ({ vnni, flags, summary }: Int8CpuFeatures): Int8CpuDto => ({ vnni, flags: [...flags], summary });
