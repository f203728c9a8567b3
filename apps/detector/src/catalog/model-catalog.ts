import { EventEmitter } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { QuantizationRecord, readQuantizationRecord } from '@app/quantize';
import type { HeadLayout, ModelProbe, ShapePolicy, ShapePolicyDecision } from '@app/vision';
import { canServe, hasFailed, isMissing, isReady, ModelStatus } from './model-state';
import { MODEL_NAME_PATTERN, ModelOptions, ModelsConfig } from '../config/models-config';

/** What is known about a model before and after loading it; issue-specific fields (random weights, ...) flow through. */
export interface ModelDescription {
  inputShape: (number | string)[];
  outputShape: (number | string)[];
  classNames: string[];
  stride: number;
  /** How its output reads (recognised from the output shape and the Ultralytics metadata). */
  headLayout: HeadLayout;
  randomWeights: boolean;
  /** The quantizer's record for an INT8 model (`npm run models:quantize`); null for a float one. */
  quantization: Partial<QuantizationRecord> | null;
  /** The input shape policy it runs with (predicted from the file until a runner has loaded it) and why. */
  shape: ShapePolicyDecision;
  /** Load + warm-up of the first runner, once loaded. */
  loadMs?: number;
}

/** One served model. `file` is the server's absolute path: it goes to logs, never to clients. */
export interface CatalogModel {
  name: string;
  /** The file's name inside the models folder (what clients are told). */
  fileName: string;
  file: string;
  options: ModelOptions;
  status: ModelStatus;
  /** Why it is failed or missing, in words fit for a client (no server paths). */
  error?: string;
  description?: ModelDescription;
  /** Identifies the file's content (inode, size, mtime); runners loaded from another version are stale. */
  version?: string;
  /** Runners that hold a session of this version. */
  runnersLoaded: number;
}

export interface CatalogEvents {
  /** A model's file appeared, changed or went away: runners of older versions must go, eager ones start. */
  changed: [CatalogModel];
  removed: [string];
}

export interface CatalogOptions {
  modelsDir: string;
  config: ModelsConfig;
  /** Options of a model the config does not set (from the environment). */
  defaults: ModelOptions;
  /** Official names served even while their file is missing (they can be fetched): the first-start defaults. */
  expected: readonly string[];
  /** Checks a file against the model contract without loading it (probeModelFile); throws the fault. */
  probe: (file: string, shapePolicy: ShapePolicy) => Promise<ModelProbe>;
  log: { log(message: string): void; warn(message: string): void; error(message: string): void };
}

/** Identifies one version of a file (replacing or rewriting it changes this); null when there is no such file. */
/** Why `file` has no version: it is absent, or something other than a file (a directory named x.onnx). */
const absenceOf = (file: string) => stat(file).then(() => `${file} is not a file`, () => `${file} does not exist`);
const fileVersion = (file: string) => stat(file).then((stats) => (stats.isFile() ? `${stats.ino}:${stats.size}:${stats.mtimeMs}` : null), () => null);

/**
 * Which models exist and their state: the models folder's *.onnx files (each served under its stem unless the models
 * config renames or excludes it), the models the config names, and the official defaults while they are missing or
 * downloading. `scan()` brings it up to date with the folder; the module calls it at start, on a timer
 * (MODELS_POLL_MS) and before refusing a model that may just have arrived. Stateless across replicas: all of it
 * follows from the folder and the config.
 */
export class ModelCatalog extends EventEmitter<CatalogEvents> {
  private readonly models = new Map<string, CatalogModel>();
  private readonly modelsDir: string;
  private scanning: Promise<void> | null = null;
  private rescanRequested = false;
  /** The first scan has found the initial models. */
  private scanned = false;
  /** Recorded by recordStartUp; from then on a loading model does not hold readiness back. */
  private startUpOver = false;
  /** Names whose download is in progress. */
  private readonly fetching = new Set<string>();

  constructor(private readonly options: CatalogOptions) {
    super();
    this.modelsDir = resolve(options.modelsDir);
  }

  get names(): string[] {
    return [...this.models.keys()].sort(compareNames);
  }

  /** The model's entry, or undefined for a name the catalog does not serve. */
  get(name: string): CatalogModel | undefined {
    return this.models.get(name);
  }

  all(): CatalogModel[] {
    return this.names.map((name) => this.models.get(name)!);
  }

  /** Ready to serve (model-state.ts's isReady) once the first scan has found the initial models; a pure query. */
  isReady(): boolean {
    return this.scanned && isReady(this.statuses(), this.startUpOver);
  }

  /**
   * Start-up is over once the initial models have all reached a final state (none loading, one can serve): the
   * catalog records it itself after each scan and each runner report, whether or not anything asked isReady().
   */
  private recordStartUp() {
    if (!this.startUpOver && this.isReady()) this.startUpOver = true;
  }

  private statuses(): ModelStatus[] {
    return [...this.models.values()].map((model) => model.status);
  }

  /** The served name of each file the folder should hold (config first, then discovery), and the expected names. */
  private async wantedModels(): Promise<Map<string, string>> {
    const { config, expected } = this.options;
    const wanted = new Map<string, string>(); // name → file name
    const claimed = new Set<string>();
    for (const [name, entry] of Object.entries(config.models)) {
      if (entry === false) continue;
      wanted.set(name, entry.file);
      claimed.add(entry.file);
    }
    const excluded = (name: string) => config.models[name] === false;
    if (config.discover) {
      const files = await readdir(this.modelsDir).catch(() => [] as string[]);
      for (const fileName of files.sort()) {
        if (extname(fileName) !== '.onnx' || claimed.has(fileName)) continue;
        const name = basename(fileName, '.onnx');
        if (excluded(name) || wanted.has(name)) continue;
        if (!MODEL_NAME_PATTERN.test(name)) {
          this.warnOnce(`name:${fileName}`, `Models folder: ${fileName} is not served: its name must be letters, digits, '.', '_' or '-' (rename it, or name it in MODELS_CONFIG).`);
          continue;
        }
        wanted.set(name, fileName);
      }
    }
    for (const name of expected) if (!excluded(name) && !wanted.has(name) && !claimed.has(`${name}.onnx`)) wanted.set(name, `${name}.onnx`);
    return wanted;
  }

  /** Brings the catalog up to date with the folder. Concurrent calls share one scan (and one more after it). */
  scan(): Promise<void> {
    if (this.scanning) {
      this.rescanRequested = true;
      return this.scanning;
    }
    this.scanning = this.runScan().finally(() => {
      this.scanning = null;
      if (this.rescanRequested) {
        this.rescanRequested = false;
        void this.scan();
      }
    });
    return this.scanning;
  }

  private async runScan() {
    const wanted = await this.wantedModels();
    for (const [name, model] of this.models) {
      if (!wanted.has(name)) {
        this.models.delete(name);
        this.options.log.log(`Model ${name} is no longer served (${model.fileName} left the models folder).`);
        this.emit('removed', name);
      }
    }
    for (const [name, fileName] of wanted) await this.refresh(name, fileName);
    this.scanned = true;
    this.recordStartUp();
  }

  private async refresh(name: string, fileName: string) {
    const { config, defaults } = this.options;
    const file = join(this.modelsDir, fileName);
    const configured = config.models[name] || {};
    let model = this.models.get(name);
    const isNew = !model;
    if (!model) {
      const options = { ...defaults, ...config.defaults, ...configured } as ModelOptions & { file?: string };
      delete options.file;
      model = { name, fileName, file, options, status: 'missing', runnersLoaded: 0 };
      this.models.set(name, model);
    }
    const version = await fileVersion(file);
    if (!isNew && version === (model.version ?? null)) return;
    // The file appeared, changed or vanished: what was loaded from it is stale.
    Object.assign(model, { version: version ?? undefined, error: undefined, description: undefined, runnersLoaded: 0 });
    if (version === null) {
      model.status = this.fetching.has(name) ? 'fetching' : 'missing';
      if (isMissing(model.status)) this.options.log.warn(`Model ${name} is not installed: ${await absenceOf(file)}.`);
    } else {
      try {
        const probe = await this.options.probe(file, model.options.shapePolicy);
        model.description = {
          inputShape: probe.inputShape,
          outputShape: probe.outputShape,
          classNames: probe.metadata.names,
          stride: probe.metadata.stride,
          headLayout: probe.contract.headLayout,
          randomWeights: probe.metadata.randomWeights,
          quantization: readQuantizationRecord(probe.properties),
          shape: probe.shape,
        };
        model.status = model.options.loading === 'eager' ? 'loading' : 'not-loaded';
        this.options.log.log(`Model ${name}: ${file}, input [${probe.inputShape.join(',')}], ${probe.contract.headLayout} head, ${probe.metadata.names.length} classes${model.description.quantization ? ', INT8' : ''}, ${describeShape(probe.shape)} (${model.options.loading} loading).`);
        if (probe.metadata.randomWeights) this.options.log.warn(`Model ${name} has random weights (a benchmark stand-in): its detections are meaningless.`);
      } catch (error) {
        this.fail(model, (error as Error).message);
      }
    }
    this.emit('changed', model);
  }

  /** A download of `name` started (true) or ended (false); the scan that follows an end sees its file. */
  setFetching(name: string, fetching: boolean) {
    if (fetching) this.fetching.add(name);
    else this.fetching.delete(name);
    const model = this.models.get(name);
    if (model && !model.version) model.status = fetching ? 'fetching' : 'missing';
  }

  /** A runner loaded this version (with this shape policy). Eager loading is done when every replica has it; a lazy load at the first one. */
  markLoaded(name: string, version: string | undefined, loadMs: number, shape?: ShapePolicyDecision) {
    const model = this.current(name, version);
    if (!model || hasFailed(model.status)) return;
    model.runnersLoaded++;
    if (model.description && model.description.loadMs === undefined) model.description.loadMs = loadMs;
    if (model.description && shape) model.description.shape = shape;
    if (model.options.loading === 'lazy' || model.runnersLoaded >= model.options.replicas) model.status = 'loaded';
    this.recordStartUp();
  }

  /** A runner could not load this version (ONNX Runtime refused what the probe accepted). */
  markFailed(name: string, version: string | undefined, reason: string) {
    const model = this.current(name, version);
    if (model) this.fail(model, reason);
    this.recordStartUp();
  }

  private fail(model: CatalogModel, reason: string) {
    model.status = 'failed';
    model.runnersLoaded = 0;
    model.error = this.clientSafe(reason, model);
    this.options.log.error(`Model ${model.name} failed (${model.file}): ${reason}`);
  }

  private current(name: string, version: string | undefined): CatalogModel | undefined {
    const model = this.models.get(name);
    return model && model.version === version ? model : undefined;
  }

  /** Error texts name files by their absolute path; clients get the file's name in the models folder. */
  private clientSafe(message: string, model: CatalogModel): string {
    return message.split(model.file).join(model.fileName).split(`${this.modelsDir}/`).join('');
  }

  /** `message` about model `name` with the server's paths taken out, fit for a client. */
  clientMessage(name: string, message: string): string {
    const model = this.models.get(name);
    return model ? this.clientSafe(message, model) : message.split(`${this.modelsDir}/`).join('');
  }

  private readonly warned = new Set<string>();
  private warnOnce(key: string, message: string) {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.log.warn(message);
  }

  /**
   * The model examples and defaults name: the first expected default (yolov5s) when it can serve, otherwise the first
   * model that can, real weights before random-weight stand-ins; when none can, that default (its answer says how to
   * install it).
   */
  suggestedModel(): string {
    const preferred = this.options.expected[0] ?? this.names[0];
    const servable = [preferred, ...this.names].flatMap((name) => {
      const model = this.models.get(name);
      return model && canServe(model.status) ? [model] : [];
    });
    return (servable.find((model) => !model.description?.randomWeights) ?? servable[0])?.name ?? preferred;
  }

  /** Is `name` a model that can serve now (perhaps after loading)? */
  canServe(name: string): boolean {
    const model = this.models.get(name);
    return model !== undefined && canServe(model.status);
  }
}

const describeShape = ({ policy, reason, detail }: ShapePolicyDecision) => `${policy} input (${reason}${detail ? `: ${detail}` : ''})`;

/** yolov5n < s < m < l < x, then any other name alphabetically: the official sizes read smallest first. */
const SIZE_ORDER = ['n', 's', 'm', 'l', 'x'];
function compareNames(a: string, b: string): number {
  const rank = (name: string) => {
    const match = /^yolov5([nsmlx])$/.exec(name);
    return match ? SIZE_ORDER.indexOf(match[1]) : SIZE_ORDER.length;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}
