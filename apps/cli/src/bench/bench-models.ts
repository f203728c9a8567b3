import { join } from 'node:path';
import { GeneratedModel, generateModelFiles, ModelCost, ultralyticsCost, yolov5Cost, Yolov5Scale, Yolov8Model } from '@app/onnx-writer';

/** The bench's networks: YOLOv5 n/s/m/l and Ultralytics YOLOv8 n/s/m/l, compared size by size. */
export type BenchModelName = Yolov5Scale | Yolov8Model;
export type BenchFamily = 'YOLOv5' | 'YOLOv8';

export const benchFamily = (name: BenchModelName): BenchFamily => (name.startsWith('yolov8') ? 'YOLOv8' : 'YOLOv5');

/** The size letter both families share: n, s, m or l. */
export const benchSize = (name: BenchModelName): string => name.slice(-1);

/** Parameters and GFLOPs of a bench network at an input size, counted from its architecture. */
export function benchModelCost(name: BenchModelName, inputSize?: { height: number; width: number }): ModelCost {
  return benchFamily(name) === 'YOLOv8' ? ultralyticsCost(name as Yolov8Model, inputSize) : yolov5Cost(name as Yolov5Scale, inputSize);
}

/** A model file's kind: a static 640x640 export (the official files' kind) or a dynamic one. */
export type ModelExport = 'static' | 'dynamic';

export interface BenchModelFiles {
  /** The folder of one kind of export, each file named after its model. */
  dir(variant: ModelExport): string;
  file(model: GeneratedModel, variant: ModelExport): string;
}

/** Writes the real-architecture random-weight models, static 640x640 and dynamic, under `root` (seconds). */
export async function generateBenchModels(root: string, models: readonly GeneratedModel[]): Promise<BenchModelFiles> {
  const staticDir = join(root, 'static');
  const dynamicDir = join(root, 'dynamic');
  await generateModelFiles({ outDir: staticDir, models, dynamic: false });
  await generateModelFiles({ outDir: dynamicDir, models, dynamic: true });
  const dir = (variant: ModelExport) => (variant === 'static' ? staticDir : dynamicDir);
  return { dir, file: (model, variant) => join(dir(variant), `${model}.onnx`) };
}
