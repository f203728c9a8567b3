import { releaseBytes, releaseOutputs } from './release-bytes';

describe('releaseBytes', () => {
  it('empties bytes that own their whole buffer (the buffer is detached)', () => {
    const bytes = new Uint8Array(1 << 20).fill(7);
    releaseBytes(bytes);
    expect([bytes.byteLength, bytes.buffer.byteLength, bytes.buffer.detached]).toEqual([0, 0, true]);
  });

  it('empties any typed array that owns its whole buffer (a run\'s Float32Array output)', () => {
    const floats = new Float32Array(1024).fill(0.5);
    releaseBytes(floats);
    expect([floats.length, floats.buffer.detached]).toEqual([0, true]);
  });

  it("leaves alone a buffer that cannot be detached (a WebAssembly memory's)", () => {
    const memory = new (globalThis as unknown as { WebAssembly: { Memory: new (size: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly.Memory({ initial: 1 });
    const view = new Uint8Array(memory.buffer);
    expect(() => releaseBytes(view)).not.toThrow();
    expect(view.byteLength).toBe(65_536);
  });

  it("leaves alone a view over part of a buffer: Node's pooled small Buffers, a subarray", () => {
    const pooled = Buffer.from('a small pooled buffer');
    const whole = new Uint8Array(16).fill(1);
    const part = whole.subarray(4, 8);
    releaseBytes(pooled);
    releaseBytes(part);
    expect([pooled.toString(), part.byteLength, whole.byteLength, whole.buffer.detached]).toEqual(['a small pooled buffer', 4, 16, false]);
  });
});

describe('releaseOutputs', () => {
  it("gives back every output's data and disposes of each", () => {
    const boxes = { data: new Float32Array(4096).fill(0.5), dispose: jest.fn() };
    const labels = { data: ['person'], dispose: jest.fn() };
    releaseOutputs({ boxes, labels });
    expect([boxes.data.buffer.detached, boxes.dispose.mock.calls.length, labels.data, labels.dispose.mock.calls.length]).toEqual([true, 1, ['person'], 1]);
  });
});
