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
  return `${baseUrl.replace(/\/+$/, '')}/${modelFileName(name)}`;
}

/** The content of models/manifest.json. */
export function modelsManifest() {
  return {
    release: OFFICIAL_RELEASE,
    baseUrl: DEFAULT_MODELS_BASE_URL,
    models: OFFICIAL_MODELS.map((model) => ({ ...model, url: modelDownloadUrl(model.name) })),
  };
}
