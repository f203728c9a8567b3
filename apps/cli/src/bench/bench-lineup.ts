import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Yolov5Model, Yolov8Model } from '@app/onnx-writer';
import { RunningService, startService } from '../../../detector/test/support/service';
import { BenchFamily, benchFamily, BenchModelFiles, BenchModelName, generateBenchModels, ModelExport } from './bench-models';
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
  /** The export its service serves under its name (see servedExport). */
  served: ModelExport;
  /** The models folder of the service that serves it (the bench starts one service per folder). */
  modelsDir: string;
}

/**
 * The export a family is served from, under the model's plain name: YOLOv5 from its static 640x640 export, the kind
 * a default install serves (`npm run models:fetch`), which the service rewrites at load to AutoShape's rectangles;
 * YOLOv8 from its dynamic export, since the rewrite recognises YOLOv5 heads only and a static YOLOv8 would run at its
 * square, not at the input YOLOv5 runs at.
 */
export const servedExport = (name: BenchModelName): ModelExport => (benchFamily(name) === 'YOLOv5' ? 'static' : 'dynamic');

/** The file a lineup model's service serves. */
export const servedFile = (model: Pick<BenchModel, 'served' | 'staticFile' | 'dynamicFile'>): string => (model.served === 'static' ? model.staticFile : model.dynamicFile);

/** What `GET /models/{name}` must answer for each served export: both run at AutoShape's rectangles. */
const EXPECTED_SHAPE_POLICY: Record<ModelExport, { policy: string; reason: string }> = {
  static: { policy: 'rectangular', reason: 'static-export-rewritten' },
  dynamic: { policy: 'rectangular', reason: 'dynamic-export' },
};

/**
 * Throws unless a served model runs as a default install runs it (a static YOLOv5 export rewritten at load, a dynamic
 * export at the rectangles): otherwise its figures would describe something else.
 */
export function expectServedShapePolicy(name: string, variant: ModelExport, actual: { policy: string | null; reason: string | null }): void {
  const expected = EXPECTED_SHAPE_POLICY[variant];
  if (actual.policy !== expected.policy || actual.reason !== expected.reason) {
    throw new Error(
      `${name} (${variant} export) reports shape_policy ${actual.policy} (${actual.reason}), not ${expected.policy} (${expected.reason}): ` +
        'its figures would not be what a default install runs',
    );
  }
}

/** The real trained networks in ../shared/models (static 640x640 and dynamic exports of the same weights). */
export const TRAINED_BENCH_MODELS: Partial<Record<BenchModelName, { static: string; dynamic: string }>> = {
  yolov5n: { static: 'yolov5n.onnx', dynamic: 'yolov5n-dynamic.onnx' },
};

/**
 * The models folder that serves the trained models, each under its own name through a symlink to its served export
 * (never a copy). It is not the random-weight models' folder: a second service serves it, so that the first
 * service's resident memory is that of yolov5s/m/l alone (the memory target is "s/m/l loaded and warm").
 */
function serveTrained(scratch: string, name: BenchModelName, file: string): string {
  const modelsDir = join(scratch, 'trained');
  mkdirSync(modelsDir, { recursive: true });
  symlinkSync(file, join(modelsDir, `${name}.onnx`));
  return modelsDir;
}

/**
 * The models to measure, in the order asked: trained ones from `sharedModelsDir`, random-weight ones generated
 * (static and dynamic) under `scratch`, one folder per family, so that each family has a service of its own and
 * the YOLOv5 s/m/l service's memory stays that of s/m/l alone. Each folder holds the family's served export (see
 * servedExport). A trained model whose files are absent is left out with `onSkip`.
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
    const served = servedExport(name);
    const trained = TRAINED_BENCH_MODELS[name];
    if (trained === undefined) {
      const files = generated.get(benchFamily(name))!;
      const model = name as Yolov5Model | Yolov8Model;
      lineup.push({ name, weights: 'random', staticFile: files.file(model, 'static'), dynamicFile: files.file(model, 'dynamic'), served, modelsDir: files.dir(served) });
      continue;
    }
    const staticFile = resolve(sharedModelsDir, trained.static);
    const dynamicFile = resolve(sharedModelsDir, trained.dynamic);
    const missing = [staticFile, dynamicFile].filter((file) => !existsSync(file));
    if (missing.length > 0) {
      onSkip(`${name} left out: ${missing.join(' and ')} not found (the trained models live in ../shared/models beside the repository)`);
      continue;
    }
    const model = { name, weights: 'trained' as const, staticFile, dynamicFile, served };
    lineup.push({ ...model, modelsDir: serveTrained(scratch, name, servedFile(model)) });
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

/** The name under which the comparison service serves a YOLOv5 lineup model's dynamic export. */
export const dynamicTwinName = (name: string) => `${name}-dynamic`;

/** The lineup models served from their static export, whose dynamic twins the comparison service serves. */
export const withDynamicTwin = (lineup: readonly BenchModel[]): BenchModel[] => lineup.filter((model) => model.served === 'static');

/**
 * A models folder with the dynamic export of every lineup model served static, linked as `<name>-dynamic.onnx` (never
 * copied): the torch-exported dynamic files, run at the same rectangles as the rewritten static ones, side by side
 * with them in the sequential table. A service of its own serves it, so that the s/m/l service's memory stays that
 * of s/m/l alone.
 */
export function dynamicTwinsFolder(scratch: string, lineup: readonly BenchModel[]): string {
  const dir = join(scratch, 'dynamic-twins');
  mkdirSync(dir, { recursive: true });
  for (const model of withDynamicTwin(lineup)) symlinkSync(model.dynamicFile, join(dir, `${dynamicTwinName(model.name)}.onnx`));
  return dir;
}
