import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixedOutputModel } from '@app/onnx-writer';
import { COCO_CLASS_NAMES } from './coco-names';
import { interpretYoloMetadata, parseNamesMetadata, readOnnxMetadata } from './onnx-metadata';

const dir = mkdtempSync(join(tmpdir(), 'onnx-metadata-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Uint8Array) => {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
};

describe('parseNamesMetadata', () => {
  it('parses the ultralytics dict repr', () => {
    expect(parseNamesMetadata("{0: 'person', 1: 'bicycle', 2: 'traffic light'}")).toEqual(['person', 'bicycle', 'traffic light']);
  });

  it('parses list reprs, double quotes and escaped quotes', () => {
    expect(parseNamesMetadata(`['a', "b'c", 'd\\'e']`)).toEqual(['a', "b'c", "d'e"]);
  });

  it('orders dict entries by key', () => {
    expect(parseNamesMetadata("{1: 'b', 0: 'a'}")).toEqual(['a', 'b']);
  });

  it.each([undefined, '', 'person,bicycle', "{0: 'a', 2: 'c'}", "{0: 'a'", '{0: 1}', "{'a': 'b'}"])('rejects %p', (text) => {
    expect(parseNamesMetadata(text)).toBeNull();
  });
});

describe('readOnnxMetadata', () => {
  it('reads metadata_props written after the graph', async () => {
    const file = write('named.onnx', makeFixedOutputModel({ rows: [], names: ['cat', 'dog'], stride: 64, metadata: { random_weights: 'true' } }));
    const metadata = await readOnnxMetadata(file);
    expect(metadata).toEqual({ names: "{0: 'cat', 1: 'dog'}", stride: '64', random_weights: 'true' });
    expect(interpretYoloMetadata(metadata)).toEqual({ names: ['cat', 'dog'], namesFromFile: true, stride: 64, randomWeights: true, task: null, end2end: null });
  });

  it('falls back to COCO names and stride 32 when the file has none', async () => {
    const file = write('bare.onnx', makeFixedOutputModel({ rows: [], metadata: { names: null, stride: null } }));
    const metadata = interpretYoloMetadata(await readOnnxMetadata(file));
    expect(metadata).toEqual({ names: [...COCO_CLASS_NAMES], namesFromFile: false, stride: 32, randomWeights: false, task: null, end2end: null });
  });

  it('reads the Ultralytics task and end2end entries (Python booleans) of YOLOv8 and end-to-end exports', async () => {
    for (const [layout, end2end] of [['yolov8', false], ['end2end', true]] as const) {
      const metadata = await readOnnxMetadata(write(`${layout}.onnx`, makeFixedOutputModel({ rows: [], layout })));
      expect(metadata).toMatchObject({ task: 'detect', end2end: end2end ? 'True' : 'False', imgsz: '[640, 640]' });
      expect(interpretYoloMetadata(metadata)).toMatchObject({ task: 'detect', end2end });
    }
    expect(interpretYoloMetadata({ end2end: 'maybe', task: ' ' })).toMatchObject({ task: null, end2end: null });
  });

  it('reports a truncated file', async () => {
    const bytes = makeFixedOutputModel({ rows: [] });
    const file = write('truncated.onnx', bytes.subarray(0, bytes.length / 2));
    await expect(readOnnxMetadata(file)).rejects.toThrow(/truncated/);
  });

  it('reports a file that is not protobuf', async () => {
    const file = write('text.onnx', Buffer.from('this is not a model, just some text that goes on'));
    await expect(readOnnxMetadata(file)).rejects.toThrow(/text\.onnx/);
  });
});
