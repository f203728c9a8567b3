import * as ort from 'onnxruntime-node';

const { abs, cos, max, sin } = Math; // local bindings: global lookups are slow in jest's sandbox

/** A smooth synthetic photo-like image in 0..1, so activations see spatial structure. */
export function syntheticImage(height: number, width: number): ort.Tensor {
  const data = new Float32Array(3 * height * width);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data[(c * height + y) * width + x] = 0.5 + 0.4 * sin((x + 2 * y) / (20 + 10 * c)) * cos(y / 37);
    }
  }
  return new ort.Tensor('float32', data, [1, 3, height, width]);
}

/** Every value within `tolerance` of the expected one, relative to its size (absolute below 1). */
export function expectClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = max(worst, abs(actual[i] - expected[i]) / max(1, abs(expected[i])));
  expect(worst).toBeLessThan(tolerance);
}
