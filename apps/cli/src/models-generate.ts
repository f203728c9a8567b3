import { DEFAULT_MODELS_DIR } from '@app/model-store';
import { DEFAULT_WEIGHT_SEED, GENERATED_MODELS, GeneratedModel, GeneratedModelFile, generateModelFiles, YOLOV5_MODELS, YOLOV8_MODELS } from '@app/onnx-writer';
import { resolve } from 'node:path';
import { parseCommandLine, parseModelList, runCommand, UsageError } from './command-line';

const DEFAULT_GENERATED_MODELS: readonly GeneratedModel[] = [...YOLOV5_MODELS, ...YOLOV8_MODELS];

const USAGE = `Usage: npm run models:generate -- [options]

Writes random-weight models with the real architectures (real compute cost, meaningless detections) for
benchmarks and tests: YOLOv5 v7.0 (${YOLOV5_MODELS.join(', ')}) and Ultralytics YOLOv8 / YOLO11 exports
(output0 [1,84,8400]). Existing files are replaced only when they are random-weight models. Static YOLOv5 files
have the official v7.0 export's Detect head, so the service rewrites them at load to run rectangular, as it does
the official files.

Options:
  --models LIST   comma-separated names from ${GENERATED_MODELS.join(',')}
                  (default: ${DEFAULT_GENERATED_MODELS.join(',')})
  --out DIR       output directory (default: $MODELS_DIR or ${DEFAULT_MODELS_DIR})
  --dynamic       dynamic batch/height/width input instead of a fixed [1,3,640,640]
  --seed N        weight seed, an integer (default: ${DEFAULT_WEIGHT_SEED})
  --force         also replace files that are not random-weight models (e.g. official weights)
  --help          show this text`;

export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const values = parseCommandLine(argv, {
    models: { type: 'string' },
    out: { type: 'string' },
    dynamic: { type: 'boolean' },
    seed: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const names = parseModelList(values.models, GENERATED_MODELS, DEFAULT_GENERATED_MODELS);
  const seed = values.seed === undefined ? DEFAULT_WEIGHT_SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
  const outDir = values.out || env.MODELS_DIR || DEFAULT_MODELS_DIR;

  const variant = values.dynamic ? 'dynamic batch/height/width' : 'static 640x640';
  console.error(`Generating ${names.join(', ')} (${variant}, seed ${seed}) into ${resolve(outDir)}`);
  const files = await generateModelFiles({
    outDir,
    models: names as GeneratedModel[],
    dynamic: values.dynamic,
    seed,
    force: values.force,
    onFile: (file) => console.log(describe(file)),
  });
  return files.some((file) => file.status === 'kept') ? 1 : 0;
}

function describe(file: GeneratedModelFile): string {
  if (file.status === 'kept') return `${file.path}: kept, it is not a random-weight model (use --force to replace it)`;
  return `${file.path}: ${(file.bytes / 1e6).toFixed(1)} MB in ${(file.milliseconds / 1000).toFixed(2)} s`;
}

runCommand(module, main, USAGE);
