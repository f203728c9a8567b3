import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Yolov5Model, Yolov8Model } from '@app/onnx-writer';
import { RunningService, startService } from '../../../detector/test/support/service';
import { BenchFamily, benchFamily, BenchModelFiles, BenchModelName, generateBenchModels } from './bench-models';
import { BenchClient } from './http-load';
import { SERVICE_START_TIMEOUT_MS } from './service-process';

/** One model the bench measures: its files, and the models folder of the service that serves it under its name. */
export interface BenchModel {
  /** The network, as reported, and the `model` field of its requests. */
  name: BenchModelName;
  /** Trained weights give real candidates to NMS; random weights only the real compute cost. */
  weights: 'trained' | 'random';
  staticFile: string;
  dynamicFile: string;
  /** The models folder of the service that serves it (the bench starts one service per folder). */
  modelsDir: string;
}

/** The real trained networks in ../shared/models (static 640x640 and dynamic exports of the same weights). */
export const TRAINED_BENCH_MODELS: Partial<Record<BenchModelName, { static: string; dynamic: string }>> = {
  yolov5n: { static: 'yolov5n.onnx', dynamic: 'yolov5n-dynamic.onnx' },
};

/**
 * The models folder that serves the trained models, each under its own name through a symlink to its dynamic export
 * (never a copy). It is not the random-weight models' folder: a second service serves it, so that the first
 * service's resident memory is that of yolov5s/m/l alone (the memory target is "s/m/l loaded and warm").
 */
function serveTrained(scratch: string, name: BenchModelName, dynamicFile: string): string {
  const modelsDir = join(scratch, 'trained');
  mkdirSync(modelsDir, { recursive: true });
  symlinkSync(dynamicFile, join(modelsDir, `${name}.onnx`));
  return modelsDir;
}

/**
 * The models to measure, in the order asked: trained ones from `sharedModelsDir`, random-weight ones generated
 * (static and dynamic) under `scratch`, one folder per family, so that each family has a service of its own and
 * the YOLOv5 s/m/l service's memory stays that of s/m/l alone. A trained model whose files are absent is left out
 * with `onSkip`.
 */
export async function prepareBenchModels(
  names: readonly BenchModelName[],
  scratch: string,
  sharedModelsDir: string,
  onSkip: (message: string) => void,
): Promise<BenchModel[]> {
  const generated = new Map<BenchFamily, BenchModelFiles>();
  for (const family of ['YOLOv5', 'YOLOv8'] as const) {
    const random = names.filter((name) => TRAINED_BENCH_MODELS[name] === undefined && benchFamily(name) === family) as (Yolov5Model | Yolov8Model)[];
    if (random.length > 0) generated.set(family, await generateBenchModels(join(scratch, family === 'YOLOv5' ? 'models' : 'yolov8'), random));
  }
  const lineup: BenchModel[] = [];
  for (const name of names) {
    const trained = TRAINED_BENCH_MODELS[name];
    if (trained === undefined) {
      const files = generated.get(benchFamily(name))!;
      const model = name as Yolov5Model | Yolov8Model;
      lineup.push({ name, weights: 'random', staticFile: files.file(model, 'static'), dynamicFile: files.file(model, 'dynamic'), modelsDir: files.dynamicDir });
      continue;
    }
    const staticFile = resolve(sharedModelsDir, trained.static);
    const dynamicFile = resolve(sharedModelsDir, trained.dynamic);
    const missing = [staticFile, dynamicFile].filter((file) => !existsSync(file));
    if (missing.length > 0) {
      onSkip(`${name} left out: ${missing.join(' and ')} not found (the trained models live in ../shared/models beside the repository)`);
      continue;
    }
    lineup.push({ name, weights: 'trained', staticFile, dynamicFile, modelsDir: serveTrained(scratch, name, dynamicFile) });
  }
  return lineup;
}

/** One running service and the lineup's models it serves. */
export interface ServedBy {
  service: RunningService;
  client: BenchClient;
  models: BenchModelName[];
  rssAfterReadyBytes: number;
}

/** The services of a lineup: one per models folder (see serveTrained), each with its HTTP client. */
export class LineupServices {
  private readonly byFolder = new Map<string, ServedBy>();
  private readonly folderOf = new Map<string, string>();

  async start(lineup: readonly BenchModel[], entry: string, log: (message: string) => void): Promise<void> {
    for (const model of lineup) {
      this.folderOf.set(model.name, model.modelsDir);
      const known = this.byFolder.get(model.modelsDir);
      if (known) {
        known.models.push(model.name);
        continue;
      }
      const service = await startService({ entry, env: { MODELS_DIR: model.modelsDir }, timeoutMs: SERVICE_START_TIMEOUT_MS });
      const rssAfterReadyBytes = service.memory().rssBytes;
      this.byFolder.set(model.modelsDir, { service, client: new BenchClient(service.url), models: [model.name], rssAfterReadyBytes });
      log(`service for ${model.name} ready after ${(service.readyMs / 1000).toFixed(1)} s, RSS ${(rssAfterReadyBytes / 2 ** 20).toFixed(0)} MB`);
    }
  }

  /** The service that serves a model of the lineup. */
  readonly endpoint = (name: string): ServedBy => this.byFolder.get(this.folderOf.get(name)!)!;

  all(): ServedBy[] {
    return [...this.byFolder.values()];
  }

  async stop(): Promise<void> {
    for (const { client, service } of this.byFolder.values()) {
      client.close();
      await service.stop();
    }
  }
}

/** The name under which the static-export service serves a lineup model's fixed 640x640 export. */
export const staticServedName = (name: string) => `${name}-640`;

/**
 * A models folder with every lineup model's static 640x640 export, linked as `<name>-640.onnx` (never copied): the
 * official exports that `npm run models:fetch` installs are of this kind (the generated ones have their Detect head),
 * and the service serves them as a default install does, rewritten at load to AutoShape's rectangles. A service of
 * its own serves it, so that the s/m/l service's memory stays that of s/m/l alone.
 */
export function staticExportsFolder(scratch: string, lineup: readonly BenchModel[]): string {
  const dir = join(scratch, 'static-exports');
  mkdirSync(dir, { recursive: true });
  for (const model of lineup) symlinkSync(model.staticFile, join(dir, `${staticServedName(model.name)}.onnx`));
  return dir;
}
