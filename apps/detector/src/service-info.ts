import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's name and version, read at start from the package.json that ships with the build. */
function packageInfo(): { name: string; version: string } {
  for (let dir = __dirname; ; dir = join(dir, '..')) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
    } catch {
      if (dir === join(dir, '..')) return { name: 'yolov5-detector', version: '0.0.0' };
    }
  }
}

const PACKAGE = packageInfo();

export const SERVICE_TITLE = 'YOLOv5 object detection API';
export const SERVICE_DESCRIPTION =
  'Detects objects in images with YOLO models on ONNX Runtime: by default yolov5s, yolov5m, yolov5l (the 80 COCO classes), ' +
  'and any YOLOv5, YOLOv8/YOLO11 or end-to-end (NMS inside) detection export placed in its models folder, with its own classes. ' +
  'POST /predict with {"model": "yolov5s", "image": "<base64 JPEG/PNG>"} or a multipart upload.';
/** The server's name where a protocol asks for one (the Open Inference Protocol's server metadata). */
export const SERVICE_NAME = PACKAGE.name;
export const SERVICE_VERSION = PACKAGE.version;
