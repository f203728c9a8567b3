import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { registerAs } from '@nestjs/config';
import { COCO128_URL } from '@app/model-store';
import * as Joi from 'joi';
import { parseApiKeys } from '../auth/api-keys';
import { ModelsConfig, readModelsConfig } from './models-config';

/**
 * Every setting of the service, declared once: its environment variable, its Joi schema (validated at boot; a bad
 * value stops start-up with a message naming the variable) and how the validated value becomes the typed field.
 * The schema and the DetectorConfig type both follow from SETTINGS; docs/configuration.md is checked against it.
 */
const cores = availableParallelism();

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

interface Setting<T> {
  env: string;
  schema: Joi.Schema;
  /** The validated (defaulted, converted) value → the typed field. */
  read: (value: any) => T;
}

const setting = <T>(env: string, schema: Joi.Schema, read: (value: any) => T = (value) => value as T): Setting<T> => ({ env, schema, read });

/** A list of API keys, comma-separated in the variable itself. */
const keysSetting = (env: string) => setting(env, Joi.string().allow('').default(''), (text: string) => readKeysOrStop(env, () => text));
/** A file of API keys, one per line: how Kubernetes, Swarm and Cloud Run mount a secret. */
const keysFileSetting = (env: string) =>
  setting(env, Joi.string().optional(), (file: string | undefined) => (file === undefined ? [] : readKeysOrStop(env, () => readFileSync(file, 'utf8'))));

const SETTINGS = {
  port: setting<number>('PORT', Joi.number().port().default(8000)),
  host: setting<string>('HOST', Joi.string().default('0.0.0.0')),
  modelsDir: setting<string>('MODELS_DIR', Joi.string().default('models')),
  /** Where a container's MODELS_DIR is mounted from on the host (compose sets it): messages about model files name both. */
  modelsHostDir: setting<string | undefined>('MODELS_HOST_DIR', Joi.string().optional()),
  modelsLoading: setting<'eager' | 'lazy'>('MODELS_LOADING', Joi.string().valid('eager', 'lazy').default('eager')),
  modelsAutoFetch: setting<boolean>('MODELS_AUTO_FETCH', Joi.boolean().truthy('1').falsy('0').default(true)),
  modelsBaseUrl: setting<string | undefined>('MODELS_BASE_URL', Joi.string().uri({ scheme: ['http', 'https'] }).optional()),
  /** The models config file, read and validated at start (empty when MODELS_CONFIG is unset). */
  modelsConfig: setting<ModelsConfig>('MODELS_CONFIG', Joi.string().optional(), readModelsConfigOrStop),
  /** How often the models folder is looked at for added, changed or removed files. */
  modelsPollMs: setting<number>('MODELS_POLL_MS', Joi.number().integer().min(100).max(3_600_000).default(2_000)),
  /** auto: make and serve the INT8 twin of each float model in the background, on CPUs with VNNI; off: none. */
  modelsInt8: setting<'auto' | 'off'>('MODELS_INT8', Joi.string().valid('auto', 'off').default('off')),
  /** The INT8 twins' calibration photos; a folder without photos gets coco128 from MODELS_INT8_PHOTOS_URL. Default: <MODELS_DIR>/calibration-photos. */
  modelsInt8PhotosDir: setting<string | undefined>('MODELS_INT8_PHOTOS_DIR', Joi.string().optional()),
  modelsInt8PhotosUrl: setting<string>('MODELS_INT8_PHOTOS_URL', Joi.string().uri({ scheme: ['http', 'https'] }).default(COCO128_URL)),
  /** Photos each twin calibrates on, and further photos both models then run on to record how far they agree. */
  modelsInt8Photos: setting<number>('MODELS_INT8_PHOTOS', Joi.number().integer().min(1).max(10_000).default(32)),
  modelsInt8CheckPhotos: setting<number>('MODELS_INT8_CHECK_PHOTOS', Joi.number().integer().min(0).max(10_000).default(16)),
  inferenceSize: setting<number>('INFERENCE_SIZE', Joi.number().integer().min(32).max(4096).default(640)),
  /** Runner threads per model (its replicas, unless the models config sets them); each holds one session of it. */
  workerThreads: setting<number>('WORKER_THREADS', Joi.number().integer().min(1).max(64).default(1)),
  intraOpThreads: setting<number>('ORT_INTRA_OP_THREADS', Joi.number().integer().min(1).max(64).default(cores)),
  bodyLimitBytes: setting('BODY_LIMIT_MB', Joi.number().positive().max(1024).default(20), (megabytes: number) => Math.round(megabytes * 1024 * 1024)),
  /** Largest width × height an image header may declare. */
  maxImagePixels: setting('MAX_IMAGE_MEGAPIXELS', Joi.number().positive().max(1000).default(40), (megapixels: number) => Math.round(megapixels * 1_000_000)),
  /** Detections that may wait per model for its runners; one more is answered 503 at once. */
  queueDepth: setting<number>('QUEUE_DEPTH', Joi.number().integer().min(0).max(10_000).default(16)),
  /** From the start of a detection (queue wait included) to its answer. */
  requestTimeoutMs: setting<number>('REQUEST_TIMEOUT_MS', Joi.number().integer().min(100).max(600_000).default(30_000)),
  /** The Retry-After header sent with 503s caused by load or shutdown. */
  retryAfterSeconds: setting<number>('RETRY_AFTER_SECONDS', Joi.number().integer().min(1).max(3600).default(1)),
  /** How long in-flight requests may take to finish after SIGTERM. */
  shutdownGraceMs: setting<number>('SHUTDOWN_GRACE_MS', Joi.number().integer().min(0).max(600_000).default(8_000)),
  /** Largest live-stream frame analysed; a larger one gets an error message (a message over 4× this closes the stream, 1009). */
  streamMaxFrameBytes: setting('STREAM_MAX_FRAME_MB', Joi.number().positive().max(256).default(4), (megabytes: number) => Math.round(megabytes * 1024 * 1024)),
  /** Open live streams per process; the next one is closed at once with 1013 (try again later). */
  streamMaxStreams: setting<number>('STREAM_MAX_STREAMS', Joi.number().integer().min(0).max(10_000).default(8)),
  /** A live stream that sends no frame and no accepted settings for this long is closed with 4408. */
  streamIdleTimeoutMs: setting<number>('STREAM_IDLE_TIMEOUT_MS', Joi.number().integer().min(1000).max(3_600_000).default(30_000)),
  /** Messages a stream's client may send per second (frames and settings, averaged over a second); beyond it 4429. */
  streamMaxMessagesPerSecond: setting<number>('STREAM_MAX_MESSAGES_PER_SECOND', Joi.number().integer().min(1).max(10_000).default(60)),
  /** Answers waiting unread in a stream's socket beyond which no frame starts and other answers are skipped (a client that does not read). */
  streamMaxUnreadBytes: setting('STREAM_MAX_UNREAD_KB', Joi.number().integer().min(16).max(65_536).default(64), (kilobytes: number) => kilobytes * 1024),
  /** Largest width × height /predict/annotated draws on (decoding, drawing and encoding cost ~12 bytes a pixel); larger images get 413. */
  annotateMaxPixels: setting('ANNOTATE_MAX_MEGAPIXELS', Joi.number().positive().max(1000).default(16), (megapixels: number) => Math.round(megapixels * 1_000_000)),
  logLevel: setting<LogLevel>('LOG_LEVEL', Joi.string().valid(...LOG_LEVELS).default('info')),
  /** Origins allowed by CORS: null when CORS is off, '*' for any origin. Comma-separated origins (scheme://host[:port]) or '*'. */
  corsOrigins: setting(
    'CORS_ORIGINS',
    Joi.string()
      .allow('')
      .pattern(/^\s*(\*|https?:\/\/[^\s,/]+)\s*(,\s*(\*|https?:\/\/[^\s,/]+)\s*)*$/, 'origin list')
      .default(''),
    parseCorsOrigins,
  ),
  /** Keys clients must send (API keys); none set: no key is asked for. */
  apiKeys: keysSetting('API_KEYS'),
  apiKeysFromFile: keysFileSetting('API_KEYS_FILE'),
  /** Keys for /metrics, which client keys do not open; none set: /metrics is open. */
  metricsApiKeys: keysSetting('METRICS_API_KEY'),
  metricsApiKeysFromFile: keysFileSetting('METRICS_API_KEY_FILE'),
  /** Requests per client (API key, or address when keys are off) and window, per replica; 0: no rate limit. */
  rateLimitRequests: setting<number>('RATE_LIMIT_REQUESTS', Joi.number().integer().min(0).max(1_000_000).default(0)),
  rateLimitWindowSeconds: setting<number>('RATE_LIMIT_WINDOW_SECONDS', Joi.number().integer().min(1).max(86_400).default(60)),
};

export type DetectorConfig = { [Key in keyof typeof SETTINGS]: ReturnType<(typeof SETTINGS)[Key]['read']> };

/** The limits of the live streams at /stream, each with the close code or error a client gets past it. */
export type StreamLimits = Pick<DetectorConfig, 'streamMaxFrameBytes' | 'streamMaxStreams' | 'streamIdleTimeoutMs' | 'streamMaxMessagesPerSecond' | 'streamMaxUnreadBytes'>;

export const configValidationSchema = Joi.object(Object.fromEntries(Object.values(SETTINGS).map(({ env, schema }) => [env, schema]))).unknown(true);

function parseCorsOrigins(value: string): string[] | '*' | null {
  const origins = value.split(',').map((origin) => origin.trim()).filter(Boolean);
  if (origins.length === 0) return null;
  return origins.includes('*') ? '*' : origins;
}

/** A bad models config stops start-up like a bad variable: one line naming the file and the fault. */
function readModelsConfigOrStop(file: string | undefined): ModelsConfig {
  try {
    return readModelsConfig(file);
  } catch (error) {
    throw new Error(`Config validation error: ${(error as Error).message}`);
  }
}

/** Bad keys stop start-up like a bad variable, named without the key itself. */
function readKeysOrStop(env: string, read: () => string): string[] {
  try {
    return parseApiKeys(read());
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ? `cannot read the file (${(error as NodeJS.ErrnoException).code})` : (error as Error).message;
    throw new Error(`Config validation error: "${env}": ${reason}`);
  }
}

/** The typed settings from an environment (defaults applied); a bad value throws, naming the variable. */
export function readDetectorConfig(env: NodeJS.ProcessEnv = process.env): DetectorConfig {
  const { value, error } = configValidationSchema.validate(env);
  if (error) throw new Error(`Config validation error: ${error.message}`);
  return Object.fromEntries(Object.entries(SETTINGS).map(([key, { env: name, read }]) => [key, read(value[name])])) as DetectorConfig;
}

/** Inject with `@Inject(detectorConfig.KEY) config: DetectorConfig`. */
export const detectorConfig = registerAs('detector', (): DetectorConfig => readDetectorConfig());
