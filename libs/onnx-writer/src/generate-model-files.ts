import { readOnnxMetadata } from '@app/vision/onnx-metadata';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeOnnxFileAtomic } from './model-file';
import { OnnxGraphBuilder } from './graph-builder';
import { ULTRALYTICS_MODELS, UltralyticsModel } from './yolov8-architecture';
import { buildUltralyticsOnnx } from './yolov8-onnx';
import { YOLOV5_MODELS, Yolov5Model } from './yolov5-architecture';
import { buildYolov5Onnx, DEFAULT_WEIGHT_SEED } from './yolov5-onnx';

/** Every model `models:generate` can write: YOLOv5 (v7.0), YOLOv8 and YOLO11 sizes. */
export const GENERATED_MODELS = [...YOLOV5_MODELS, ...ULTRALYTICS_MODELS] as const;
export type GeneratedModel = (typeof GENERATED_MODELS)[number];

export interface RandomWeightModelOptions {
  model: GeneratedModel;
  dynamic?: boolean;
  seed?: number;
}

/** The random-weight graph of any generated model, built by its family's generator. */
export function buildRandomWeightModel({ model, ...options }: RandomWeightModelOptions): OnnxGraphBuilder {
  return (YOLOV5_MODELS as readonly string[]).includes(model)
    ? buildYolov5Onnx({ model: model as Yolov5Model, ...options })
    : buildUltralyticsOnnx({ model: model as UltralyticsModel, ...options });
}

export interface GenerateModelFilesOptions {
  outDir: string;
  models: readonly GeneratedModel[];
  dynamic?: boolean;
  seed?: number;
  /** Replace files that are not random-weight models (e.g. downloaded official weights). */
  force?: boolean;
  /** Called after each model, so a CLI can report progress as it goes. */
  onFile?: (file: GeneratedModelFile) => void;
}

export interface GeneratedModelFile {
  model: GeneratedModel;
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
export async function generateModelFiles(options: GenerateModelFilesOptions): Promise<GeneratedModelFile[]> {
  mkdirSync(options.outDir, { recursive: true });
  const files: GeneratedModelFile[] = [];
  for (const model of options.models) {
    const started = performance.now();
    const path = join(options.outDir, `${model}.onnx`);
    let file: GeneratedModelFile;
    if (!options.force && existsSync(path) && !(await hasRandomWeights(path))) {
      file = { model, path, status: 'kept', bytes: 0, milliseconds: 0 };
    } else {
      const graph = buildRandomWeightModel({ model, dynamic: options.dynamic, seed: options.seed ?? DEFAULT_WEIGHT_SEED });
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
