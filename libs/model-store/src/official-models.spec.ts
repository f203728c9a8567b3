import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODEL_NAMES, DEFAULT_MODELS_BASE_URL, modelDownloadUrl, modelsManifest, OFFICIAL_MODEL_NAMES, OFFICIAL_MODELS } from './official-models';

describe('official models', () => {
  it('are the YOLOv5 v7.0 n/s/m/l/x release assets; s/m/l are the defaults', () => {
    expect(OFFICIAL_MODEL_NAMES).toEqual(['yolov5n', 'yolov5s', 'yolov5m', 'yolov5l', 'yolov5x']);
    expect(OFFICIAL_MODELS.map(({ file }) => file)).toEqual(OFFICIAL_MODEL_NAMES.map((name) => `${name}.onnx`));
    expect(DEFAULT_MODEL_NAMES).toEqual(['yolov5s', 'yolov5m', 'yolov5l']);
    expect(modelDownloadUrl('yolov5s')).toBe('https://github.com/ultralytics/yolov5/releases/download/v7.0/yolov5s.onnx');
  });

  it('download from any base URL, with or without a trailing slash', () => {
    expect(modelDownloadUrl('yolov5m', 'http://mirror.local/models/')).toBe('http://mirror.local/models/yolov5m.onnx');
    expect(modelDownloadUrl('yolov5m', 'http://mirror.local/models')).toBe('http://mirror.local/models/yolov5m.onnx');
  });

  it('match models/manifest.json (regenerate it from modelsManifest() when the code changes)', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '../../../models/manifest.json'), 'utf8'));
    expect(manifest).toEqual(modelsManifest());
    expect(manifest.baseUrl).toBe(DEFAULT_MODELS_BASE_URL);
  });
});
