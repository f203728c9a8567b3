import { readFileSync } from 'node:fs';
import * as Joi from 'joi';
import { SHAPE_POLICIES, ShapePolicy } from '@app/vision';

/**
 * The optional models config file (MODELS_CONFIG, JSON): names, renames and exclusions of the models folder's
 * files and per-model options. Validated at start-up like the environment; a bad file stops the service with a
 * message naming the field.
 *
 *   {
 *     "discover": true,                          // serve every *.onnx of the folder under its stem (default)
 *     "defaults": { "replicas": 1, "loading": "lazy" },
 *     "models": {
 *       "fast": { "file": "yolov5n.onnx" },      // yolov5n.onnx is served as "fast" (and no longer as "yolov5n")
 *       "big": { "file": "yolov5s6.onnx", "input_size": 1280 },
 *       "square": { "file": "custom.onnx", "shape_policy": "fixed" }, // letterboxed into its square, not a rectangle
 *       "yolov5x": false                         // never served, even if the file is there
 *     }
 *   }
 */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface ModelOptions {
  /** The longest side of a rectangular model's input (P6 exports want 1280); a `fixed` model's own size wins. */
  inputSize: number;
  /** Runner threads that hold a session of the model, each running one image at a time. */
  replicas: number;
  /** ONNX Runtime intra-op threads of each session. */
  threads: number;
  /** Load at start (eager) or on the first request (lazy). */
  loading: 'eager' | 'lazy';
  /** `rectangular` (default): AutoShape's stride-multiple rectangle, static exports rewritten to allow it; `fixed`: the model's square. */
  shapePolicy: ShapePolicy;
}

export interface ModelsConfig {
  discover: boolean;
  /** Served name → its file (relative to the models folder) and options; `false` excludes a name. */
  models: Record<string, ({ file: string } & Partial<ModelOptions>) | false>;
  defaults: Partial<ModelOptions>;
}

const options = {
  input_size: Joi.number().integer().min(32).max(4096),
  replicas: Joi.number().integer().min(1).max(64),
  threads: Joi.number().integer().min(1).max(64),
  loading: Joi.string().valid('eager', 'lazy'),
  shape_policy: Joi.string().valid(...SHAPE_POLICIES),
};

const schema = Joi.object({
  discover: Joi.boolean().default(true),
  defaults: Joi.object(options).default({}),
  models: Joi.object()
    .pattern(
      Joi.string().pattern(MODEL_NAME_PATTERN, 'model name'),
      // `false` excludes the name; an object serves it (so that its faults are the object's, not "no alternative matched").
      Joi.alternatives().conditional(Joi.boolean(), {
        then: Joi.boolean().valid(false),
        otherwise: Joi.object({ file: Joi.string().pattern(/^[^/\\]+\.onnx$/, 'file name in the models folder'), ...options }),
      }),
    )
    .default({}),
}).unknown(false);

type RawOptions = { input_size?: number; replicas?: number; threads?: number; loading?: 'eager' | 'lazy'; shape_policy?: ShapePolicy };
const fromRaw = ({ input_size, replicas, threads, loading, shape_policy }: RawOptions): Partial<ModelOptions> =>
  Object.fromEntries(Object.entries({ inputSize: input_size, replicas, threads, loading, shapePolicy: shape_policy }).filter(([, value]) => value !== undefined));

export const EMPTY_MODELS_CONFIG: ModelsConfig = { discover: true, models: {}, defaults: {} };

/** Parses and validates a models config text; throws an Error whose message names the file and every fault. */
export function parseModelsConfig(text: string, source: string): ModelsConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const { value, error } = schema.validate(raw, { abortEarly: false });
  if (error) throw new Error(`${source}: ${error.details.map((detail) => detail.message).join('; ')}`);
  const models: ModelsConfig['models'] = {};
  for (const [name, entry] of Object.entries(value.models as Record<string, false | (RawOptions & { file?: string })>)) {
    models[name] = entry === false ? false : { file: entry.file ?? `${name}.onnx`, ...fromRaw(entry) };
  }
  return { discover: value.discover, defaults: fromRaw(value.defaults), models };
}

export function readModelsConfig(file: string | undefined): ModelsConfig {
  if (!file) return EMPTY_MODELS_CONFIG;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`MODELS_CONFIG: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseModelsConfig(text, `MODELS_CONFIG (${file})`);
}
