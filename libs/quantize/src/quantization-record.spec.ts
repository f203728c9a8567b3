import { int8CpuFeatures } from './cpu-features';
import { QUANTIZATION_METADATA_KEY, QuantizationRecord } from './qdq-transform';
import type { OnnxModel } from '@app/onnx-writer/onnx-proto';
import { floatTwinName, int8SpeedNotice, readQuantizationRecord, recordTwinAgreement } from './quantization-record';

const RECORD: QuantizationRecord = {
  format: 'QDQ',
  weights: 'int8 symmetric per output channel',
  activations: 'uint8 asymmetric per tensor',
  source: 'yolov5n.onnx',
  calibration: { method: 'percentile', percentile: 99.999, images: 32 },
  quantizedNodes: 180,
  floatConvs: ['/model.0/conv/Conv (first Conv)'],
};
const WITH_VNNI = int8CpuFeatures('flags\t: avx2 avx512f avx512_vnni\n');
const WITHOUT_VNNI = int8CpuFeatures('flags\t: avx2 fma\n');

describe('readQuantizationRecord', () => {
  it('is null for a float model', () => {
    expect(readQuantizationRecord({ names: "{0: 'person'}", stride: '32' })).toBeNull();
  });

  it("parses the quantizer's record", () => {
    expect(readQuantizationRecord({ [QUANTIZATION_METADATA_KEY]: JSON.stringify(RECORD) })).toEqual(RECORD);
  });

  it('still calls a model with an unreadable record quantized, keeping the text', () => {
    expect(readQuantizationRecord({ [QUANTIZATION_METADATA_KEY]: 'int8, by hand' })).toEqual({ calibration: { unreadable: 'int8, by hand' } });
    expect(readQuantizationRecord({ [QUANTIZATION_METADATA_KEY]: '[1, 2]' })).toEqual({ calibration: { unreadable: '[1, 2]' } });
  });
});

describe('int8SpeedNotice', () => {
  it('says nothing for a float model or on a CPU with VNNI', () => {
    expect(int8SpeedNotice('yolov5n', null, WITHOUT_VNNI)).toBeNull();
    expect(int8SpeedNotice('yolov5n-int8', RECORD, WITH_VNNI)).toBeNull();
  });

  it('warns that an INT8 model may be slower than its float twin without VNNI, naming the twin', () => {
    expect(int8SpeedNotice('yolov5n-int8', RECORD, WITHOUT_VNNI)).toMatch(/^yolov5n-int8 is an INT8 model, but this CPU has no VNNI .* may be slower than its float twin yolov5n\./);
    expect(int8SpeedNotice('mine', { format: 'QDQ' }, WITHOUT_VNNI)).toMatch(/may be slower than its float twin\./);
  });

  it('names the twin from the source file', () => {
    expect(floatTwinName(RECORD)).toBe('yolov5n');
    expect(floatTwinName({})).toBeNull();
  });
});

describe('recordTwinAgreement', () => {
  const agreement = { photos: 16, heldOut: true, confidenceThreshold: 0.25, iouThreshold: 0.5, boxesFloat: 90, boxesInt8: 88, matched: 85, f1: 0.955, meanIou: 0.93 };

  it("adds the agreement to the model's record, keeping the settings and the other metadata", () => {
    const model = { metadataProps: [{ key: 'stride', value: '32' }, { key: QUANTIZATION_METADATA_KEY, value: JSON.stringify(RECORD) }] } as OnnxModel;
    recordTwinAgreement(model, agreement);
    expect(model.metadataProps[0]).toEqual({ key: 'stride', value: '32' });
    expect(readQuantizationRecord(Object.fromEntries(model.metadataProps.map(({ key, value }) => [key, value])))).toEqual({ ...RECORD, agreement });
  });

  it('refuses a model without a record', () => {
    expect(() => recordTwinAgreement({ metadataProps: [] as OnnxModel['metadataProps'] } as OnnxModel, agreement)).toThrow(/no quantization record/);
  });
});
