import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkpointDownloadUrl,
  DEFAULT_MODEL_NAMES,
  DEFAULT_MODELS_BASE_URL,
  downloadFileName,
  modelDownloadUrl,
  modelsManifest,
  OFFICIAL_MODEL_NAMES,
  OFFICIAL_MODELS,
  onnxExportCommand,
  ULTRALYTICS_CHECKPOINT_NAMES,
  ULTRALYTICS_CHECKPOINTS,
} from './official-models';

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

  it('know the Ultralytics YOLOv8 / YOLO11 detection checkpoints, published as .pt assets of ultralytics/assets v8.3.0', () => {
    expect(ULTRALYTICS_CHECKPOINT_NAMES).toEqual([
      ...['n', 's', 'm', 'l', 'x'].map((size) => `yolov8${size}`),
      ...['n', 's', 'm', 'l', 'x'].map((size) => `yolo11${size}`),
    ]);
    expect(ULTRALYTICS_CHECKPOINTS.find(({ name }) => name === 'yolov8n')).toEqual({ name: 'yolov8n', file: 'yolov8n.pt', paramsMillions: 3.2, gflops: 8.7 });
    expect(checkpointDownloadUrl('yolov8n')).toBe('https://github.com/ultralytics/assets/releases/download/v8.3.0/yolov8n.pt');
    expect(checkpointDownloadUrl('yolo11x')).toBe('https://github.com/ultralytics/assets/releases/download/v8.3.0/yolo11x.pt');
    expect(checkpointDownloadUrl('yolo11s', 'http://mirror.local/assets/')).toBe('http://mirror.local/assets/yolo11s.pt');
    expect(downloadFileName('yolo11m')).toBe('yolo11m.pt');
    expect(downloadFileName('yolov5m')).toBe('yolov5m.onnx');
    expect(onnxExportCommand('/models/yolov8s.pt')).toBe('yolo export model=/models/yolov8s.pt format=onnx');
    // Checkpoints are never fetched on the service's start-up: they cannot be served before an export.
    expect(OFFICIAL_MODEL_NAMES.some((name) => ULTRALYTICS_CHECKPOINT_NAMES.includes(name))).toBe(false);
  });
});
