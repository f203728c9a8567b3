import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODELS_BASE_URL, modelDownloadUrl, modelsManifest, OFFICIAL_MODEL_NAMES, OFFICIAL_MODELS } from './official-models';

describe('official models', () => {
  it('are the YOLOv5 v7.0 s/m/l release assets', () => {
    expect(OFFICIAL_MODEL_NAMES).toEqual(['yolov5s', 'yolov5m', 'yolov5l']);
    expect(OFFICIAL_MODELS.map(({ file }) => file)).toEqual(['yolov5s.onnx', 'yolov5m.onnx', 'yolov5l.onnx']);
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
