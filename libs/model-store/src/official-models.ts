/**
 * The official YOLOv5 v7.0 ONNX exports the service can download (any other YOLOv5 export in the models folder serves too). The single source of these facts:
 * models/manifest.json is derived from them (a unit test keeps the two equal).
 */
export const OFFICIAL_RELEASE = 'v7.0';
export const DEFAULT_MODELS_BASE_URL = `https://github.com/ultralytics/yolov5/releases/download/${OFFICIAL_RELEASE}`;
export const DEFAULT_MODELS_DIR = 'models';

export interface OfficialModel {
  name: string;
  file: string;
  /** Published parameter count in millions and GFLOPs at 640×640 (YOLOv5 v7.0 release table). */
  paramsMillions: number;
  gflops: number;
}

/** `<name>.onnx`: the file name the service looks for in its models directory. */
export function modelFileName(name: string): string {
  return `${name}.onnx`;
}

const officialModel = (name: string, paramsMillions: number, gflops: number): OfficialModel => ({
  name,
  file: modelFileName(name),
  paramsMillions,
  gflops,
});

export const OFFICIAL_MODELS: readonly OfficialModel[] = [
  officialModel('yolov5n', 1.9, 4.5),
  officialModel('yolov5s', 7.2, 16.5),
  officialModel('yolov5m', 21.2, 49.0),
  officialModel('yolov5l', 46.5, 109.1),
  officialModel('yolov5x', 86.7, 205.7),
];

/** Every official name `npm run models:fetch` knows. */
export const OFFICIAL_MODEL_NAMES: readonly string[] = OFFICIAL_MODELS.map((model) => model.name);

/** The models fetched on first start (and by `models:fetch` without names): the seed's three sizes. */
export const DEFAULT_MODEL_NAMES: readonly string[] = ['yolov5s', 'yolov5m', 'yolov5l'];

export function modelDownloadUrl(name: string, baseUrl: string = DEFAULT_MODELS_BASE_URL): string {
  return joinUrl(baseUrl, modelFileName(name));
}

function joinUrl(baseUrl: string, file: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${file}`;
}

/** The content of models/manifest.json. */
export function modelsManifest() {
  return {
    release: OFFICIAL_RELEASE,
    baseUrl: DEFAULT_MODELS_BASE_URL,
    models: OFFICIAL_MODELS.map((model) => ({ ...model, url: modelDownloadUrl(model.name) })),
  };
}

/**
 * Ultralytics publishes its YOLOv8 and YOLO11 COCO weights only as PyTorch checkpoints (`<name>.pt` in the
 * ultralytics/assets releases), not as ONNX: `models:fetch` downloads the checkpoint into the models folder, where
 * the service ignores it until `yolo export` has written `<name>.onnx` beside it.
 */
export const ULTRALYTICS_ASSETS_RELEASE = 'v8.3.0';
export const ULTRALYTICS_ASSETS_BASE_URL = `https://github.com/ultralytics/assets/releases/download/${ULTRALYTICS_ASSETS_RELEASE}`;

const checkpoint = (name: string, paramsMillions: number, gflops: number): OfficialModel => ({ name, file: `${name}.pt`, paramsMillions, gflops });

/** The Ultralytics detection checkpoints, with their published parameter counts and GFLOPs at 640×640. */
export const ULTRALYTICS_CHECKPOINTS: readonly OfficialModel[] = [
  checkpoint('yolov8n', 3.2, 8.7),
  checkpoint('yolov8s', 11.2, 28.6),
  checkpoint('yolov8m', 25.9, 78.9),
  checkpoint('yolov8l', 43.7, 165.2),
  checkpoint('yolov8x', 68.2, 257.8),
  checkpoint('yolo11n', 2.6, 6.5),
  checkpoint('yolo11s', 9.4, 21.5),
  checkpoint('yolo11m', 20.1, 68.0),
  checkpoint('yolo11l', 25.3, 86.9),
  checkpoint('yolo11x', 56.9, 194.9),
];

export const ULTRALYTICS_CHECKPOINT_NAMES: readonly string[] = ULTRALYTICS_CHECKPOINTS.map((model) => model.name);

export function isUltralyticsCheckpoint(name: string): boolean {
  return ULTRALYTICS_CHECKPOINT_NAMES.includes(name);
}

/** The file `models:fetch` saves for a name: `<name>.onnx`, or `<name>.pt` for an Ultralytics checkpoint. */
export function downloadFileName(name: string): string {
  return ULTRALYTICS_CHECKPOINTS.find((model) => model.name === name)?.file ?? modelFileName(name);
}

export function checkpointDownloadUrl(name: string, baseUrl: string = ULTRALYTICS_ASSETS_BASE_URL): string {
  return joinUrl(baseUrl, downloadFileName(name));
}

/** How to turn a downloaded checkpoint into the ONNX file the service serves (Ultralytics' own exporter). */
export function onnxExportCommand(checkpointFile: string): string {
  return `yolo export model=${checkpointFile} format=onnx`;
}
