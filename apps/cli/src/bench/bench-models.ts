import { join } from 'node:path';
import { GeneratedModel, generateModelFiles } from '@app/onnx-writer';

export interface BenchModelFiles {
  dynamicDir: string;
  file(model: GeneratedModel, variant: 'static' | 'dynamic'): string;
}

/** Writes the real-architecture random-weight models, static 640x640 and dynamic, under `root` (seconds). */
export async function generateBenchModels(root: string, models: readonly GeneratedModel[]): Promise<BenchModelFiles> {
  const staticDir = join(root, 'static');
  const dynamicDir = join(root, 'dynamic');
  await generateModelFiles({ outDir: staticDir, models, dynamic: false });
  await generateModelFiles({ outDir: dynamicDir, models, dynamic: true });
  return { dynamicDir, file: (model, variant) => join(variant === 'static' ? staticDir : dynamicDir, `${model}.onnx`) };
}
