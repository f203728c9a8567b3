import { readOnnxMetadata } from '@app/vision/onnx-metadata';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeOnnxFileAtomic } from './model-file';
import { Yolov5Model } from './yolov5-architecture';
import { buildYolov5Onnx, DEFAULT_WEIGHT_SEED } from './yolov5-onnx';

export interface GenerateYolov5FilesOptions {
  outDir: string;
  models: readonly Yolov5Model[];
  dynamic?: boolean;
  seed?: number;
  /** Replace files that are not random-weight models (e.g. downloaded official weights). */
  force?: boolean;
  /** Called after each model, so a CLI can report progress as it goes. */
  onFile?: (file: GeneratedModelFile) => void;
}

export interface GeneratedModelFile {
  model: Yolov5Model;
  path: string;
  /** 'kept': an existing file with real (not random) weights was left alone. */
  status: 'written' | 'kept';
  bytes: number;
  milliseconds: number;
}

/**
 * Writes `<model>.onnx` random-weight files into `outDir` (atomically). A file already there is replaced only
 * when it is itself a random-weight model or `force` is set, so generating never silently destroys real weights.
 */
export async function generateYolov5Files(options: GenerateYolov5FilesOptions): Promise<GeneratedModelFile[]> {
  mkdirSync(options.outDir, { recursive: true });
  const files: GeneratedModelFile[] = [];
  for (const model of options.models) {
    const started = performance.now();
    const path = join(options.outDir, `${model}.onnx`);
    let file: GeneratedModelFile;
    if (!options.force && existsSync(path) && !(await hasRandomWeights(path))) {
      file = { model, path, status: 'kept', bytes: 0, milliseconds: 0 };
    } else {
      const graph = buildYolov5Onnx({ model, dynamic: options.dynamic, seed: options.seed ?? DEFAULT_WEIGHT_SEED });
      const bytes = writeOnnxFileAtomic(path, graph);
      file = { model, path, status: 'written', bytes, milliseconds: performance.now() - started };
    }
    files.push(file);
    options.onFile?.(file);
  }
  return files;
}

async function hasRandomWeights(path: string): Promise<boolean> {
  try {
    return (await readOnnxMetadata(path)).random_weights === 'true';
  } catch {
    return false; // unreadable: treat as someone else's file
  }
}
