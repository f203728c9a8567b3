import type { OnnxModel } from '@app/onnx-writer/onnx-proto';
import { Int8CpuFeatures } from './cpu-features';
import { QUANTIZATION_METADATA_KEY, QuantizationRecord } from './qdq-transform';
import { TwinAgreement } from './twin-agreement';

/**
 * The quantizer's record in a model file's metadata entries: null for a float model, the parsed settings for an
 * INT8 one. An entry that is not a JSON object (written by hand, or by another tool) is still an INT8 model:
 * it is reported as such, with the text kept, rather than passed off as float.
 */
export function readQuantizationRecord(properties: Record<string, string>): Partial<QuantizationRecord> | null {
  const text = properties[QUANTIZATION_METADATA_KEY];
  if (text === undefined) return null;
  try {
    const record: unknown = JSON.parse(text);
    if (record && typeof record === 'object' && !Array.isArray(record)) return record as Partial<QuantizationRecord>;
  } catch {
    // not JSON: fall through
  }
  return { calibration: { unreadable: text } };
}

/** The float model an INT8 twin was made from, by its served name (its file's stem), when the record says. */
export function floatTwinName(record: Partial<QuantizationRecord>): string | null {
  return typeof record.source === 'string' && record.source.endsWith('.onnx') ? record.source.slice(0, -'.onnx'.length) : null;
}

/** A sentence for people when an INT8 model runs on a CPU without the instructions that make it fast; else null. */
export function int8SpeedNotice(name: string, record: Partial<QuantizationRecord> | null, cpu: Int8CpuFeatures): string | null {
  if (!record || cpu.vnni) return null;
  const twin = floatTwinName(record);
  return (
    `${name} is an INT8 model, but this CPU has no VNNI (AVX-512 VNNI or AVX-VNNI): it is served, but may be slower than ` +
    `its float twin${twin ? ` ${twin}` : ''}. Compare both with POST /predict/compare.`
  );
}

/** Adds the measured agreement to a quantized model's record (the record is written before the twin can run). */
export function recordTwinAgreement(model: OnnxModel, agreement: TwinAgreement): void {
  const entry = model.metadataProps.find((property) => property.key === QUANTIZATION_METADATA_KEY);
  if (!entry) throw new Error('the model has no quantization record');
  entry.value = JSON.stringify({ ...(JSON.parse(entry.value) as QuantizationRecord), agreement });
}
