import { detectionTensors, imageInputOf, requestedOutputs, RequestTensor } from './detection-tensors';

const image = (overrides: Partial<RequestTensor> = {}): RequestTensor => ({ name: 'image', datatype: 'BYTES', shape: [1], data: ['aGVsbG8='], ...overrides });

describe('imageInputOf', () => {
  it('returns the base64 text of the one BYTES element, flat or nested', () => {
    expect(imageInputOf([image()])).toEqual({ ok: true, value: 'aGVsbG8=' });
    expect(imageInputOf([image({ shape: [1, 1], data: [['aGVsbG8=']] })])).toEqual({ ok: true, value: 'aGVsbG8=' });
  });

  it.each([
    ['an input of another name', [image({ name: 'input0' })], 'Unknown input "input0"'],
    ['a second input', [image(), image()], 'the request has 2'],
    ['another datatype', [image({ datatype: 'UINT8' })], 'must be BYTES'],
    ['a batch', [image({ shape: [2], data: ['a', 'b'] })], 'shape [1], not [2]'],
    ['data that disagrees with the shape', [image({ data: ['a', 'b'] })], 'must hold 1 element, not 2'],
    ['an element that is not a string', [image({ data: [42] })], 'base64 string'],
  ])('refuses %s', (_case, inputs, problem) => {
    const result = imageInputOf(inputs);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toContain(problem);
  });
});

describe('requestedOutputs', () => {
  it('gives all four outputs by default, else the ones named in their order', () => {
    expect(requestedOutputs(undefined)).toEqual({ ok: true, value: ['boxes', 'scores', 'class_ids', 'class_names'] });
    expect(requestedOutputs([{ name: 'class_names' }, { name: 'boxes' }])).toEqual({ ok: true, value: ['class_names', 'boxes'] });
  });

  it('refuses unknown and repeated names', () => {
    expect(requestedOutputs([{ name: 'output0' }])).toEqual({ ok: false, problem: 'Unknown output "output0": the model\'s outputs are boxes, scores, class_ids, class_names.' });
    expect(requestedOutputs([{ name: 'scores' }, { name: 'scores' }])).toEqual({ ok: false, problem: 'Output "scores" is requested twice.' });
  });
});

describe('detectionTensors', () => {
  const detections = [
    { x_min: 1, y_min: 2, x_max: 30, y_max: 40, class_name: 'bus', confidence: 0.9 },
    { x_min: 5, y_min: 6, x_max: 7, y_max: 8, class_name: 'person', confidence: 0.5 },
  ];
  const classNames = ['person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus'];

  it('lays the detections out as row-major tensors with the count as first dimension', () => {
    expect(detectionTensors(detections, classNames, ['boxes', 'scores', 'class_ids', 'class_names'])).toEqual([
      { name: 'boxes', datatype: 'FP32', shape: [2, 4], data: [1, 2, 30, 40, 5, 6, 7, 8] },
      { name: 'scores', datatype: 'FP32', shape: [2], data: [0.9, 0.5] },
      { name: 'class_ids', datatype: 'INT32', shape: [2], data: [5, 0] },
      { name: 'class_names', datatype: 'BYTES', shape: [2], data: ['bus', 'person'] },
    ]);
  });

  it('gives empty tensors of the right rank when nothing was found, and only the outputs asked for', () => {
    expect(detectionTensors([], classNames, ['scores', 'boxes'])).toEqual([
      { name: 'scores', datatype: 'FP32', shape: [0], data: [] },
      { name: 'boxes', datatype: 'FP32', shape: [0, 4], data: [] },
    ]);
  });
});
