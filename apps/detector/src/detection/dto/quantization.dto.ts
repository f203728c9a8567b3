import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Int8CpuFeatures, QuantizationRecord } from '@app/quantize';

export class CalibrationDto {
  @ApiPropertyOptional({ description: 'How the activation ranges were found.', example: 'percentile' })
  method?: string;
  @ApiPropertyOptional({ description: 'Share of the calibration values kept inside each range, in percent.', example: 99.999 })
  percentile?: number;
  @ApiPropertyOptional({ description: 'Calibration photos the float model ran on.', example: 32 })
  images?: number;
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
  };
}

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
