import { join } from 'node:path';
import { generateYolov5Files, Yolov5Model } from '@app/onnx-writer';

export interface BenchModelFiles {
  dynamicDir: string;
  file(model: Yolov5Model, variant: 'static' | 'dynamic'): string;
}

/** Writes the real-architecture random-weight models, static 640x640 and dynamic, under `root` (seconds). */
export async function generateBenchModels(root: string, models: readonly Yolov5Model[]): Promise<BenchModelFiles> {
  const staticDir = join(root, 'static');
  const dynamicDir = join(root, 'dynamic');
  await generateYolov5Files({ outDir: staticDir, models, dynamic: false });
  await generateYolov5Files({ outDir: dynamicDir, models, dynamic: true });
  return { dynamicDir, file: (model, variant) => join(variant === 'static' ? staticDir : dynamicDir, `${model}.onnx`) };
}
