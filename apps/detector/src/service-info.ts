import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's version, read at start from the package.json that ships with the build. */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = join(dir, '..')) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      if (dir === join(dir, '..')) return '0.0.0';
    }
  }
}

export const SERVICE_TITLE = 'YOLOv5 object detection API';
export const SERVICE_DESCRIPTION =
  'Detects objects of the 80 COCO classes in images with YOLOv5 (yolov5s, yolov5m, yolov5l) on ONNX Runtime. ' +
  'POST /predict with {"model": "yolov5s", "image": "<base64 JPEG/PNG>"} or a multipart upload.';
export const SERVICE_VERSION = packageVersion();
