import { availableParallelism } from 'node:os';
import { registerAs } from '@nestjs/config';
import * as Joi from 'joi';
import { ModelsConfig, readModelsConfig } from '../catalog/models-config';

/**
 * Every setting of the service: one Joi schema, validated at boot (a bad value stops startup with a message naming
 * the variable), then exposed as one typed object. The README's configuration table mirrors this file.
 */
const cores = availableParallelism();

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const configValidationSchema = Joi.object({
  PORT: Joi.number().port().default(8000),
  HOST: Joi.string().default('0.0.0.0'),
  MODELS_DIR: Joi.string().default('models'),
  MODELS_LOADING: Joi.string().valid('eager', 'lazy').default('eager'),
  MODELS_AUTO_FETCH: Joi.boolean().truthy('1').falsy('0').default(true),
  MODELS_BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).optional(),
  MODELS_CONFIG: Joi.string().optional(),
  MODELS_POLL_MS: Joi.number().integer().min(100).max(3_600_000).default(2_000),
  INFERENCE_SIZE: Joi.number().integer().min(32).max(4096).default(640),
  WORKER_THREADS: Joi.number().integer().min(1).max(64).default(1),
  ORT_INTRA_OP_THREADS: Joi.number().integer().min(1).max(64).default(cores),
  BODY_LIMIT_MB: Joi.number().positive().max(1024).default(20),
  MAX_IMAGE_MEGAPIXELS: Joi.number().positive().max(1000).default(40),
  QUEUE_DEPTH: Joi.number().integer().min(0).max(10_000).default(16),
  REQUEST_TIMEOUT_MS: Joi.number().integer().min(100).max(600_000).default(30_000),
  RETRY_AFTER_SECONDS: Joi.number().integer().min(1).max(3600).default(1),
  SHUTDOWN_GRACE_MS: Joi.number().integer().min(0).max(600_000).default(8_000),
  LOG_LEVEL: Joi.string().valid(...LOG_LEVELS).default('info'),
  // Comma-separated origins (scheme://host[:port]) or '*'; empty turns CORS off.
  CORS_ORIGINS: Joi.string()
    .allow('')
    .pattern(/^\s*(\*|https?:\/\/[^\s,/]+)\s*(,\s*(\*|https?:\/\/[^\s,/]+)\s*)*$/, 'origin list')
    .default(''),
}).unknown(true);

export interface DetectorConfig {
  port: number;
  host: string;
  modelsDir: string;
  modelsLoading: 'eager' | 'lazy';
  modelsAutoFetch: boolean;
  modelsBaseUrl: string | undefined;
  /** The models config file, read and validated at start (empty when MODELS_CONFIG is unset). */
  modelsConfig: ModelsConfig;
  /** How often the models folder is looked at for added, changed or removed files. */
  modelsPollMs: number;
  inferenceSize: number;
  /** Runner threads per model (its replicas, unless the models config sets them); each holds one session of it. */
  workerThreads: number;
  intraOpThreads: number;
  bodyLimitBytes: number;
  /** Largest width × height an image header may declare. */
  maxImagePixels: number;
  /** Detections that may wait per model for its runners; one more is answered 503 at once. */
  queueDepth: number;
  /** From the start of a detection (queue wait included) to its answer. */
  requestTimeoutMs: number;
  /** The Retry-After header sent with 503s caused by load or shutdown. */
  retryAfterSeconds: number;
  /** How long in-flight requests may take to finish after SIGTERM. */
  shutdownGraceMs: number;
  logLevel: LogLevel;
  /** Origins allowed by CORS: null when CORS is off, '*' for any origin. */
  corsOrigins: string[] | '*' | null;
}

function parseCorsOrigins(value: string): DetectorConfig['corsOrigins'] {
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

/** Inject with `@Inject(detectorConfig.KEY) config: DetectorConfig`. */
export const detectorConfig = registerAs('detector', (): DetectorConfig => {
  // ConfigModule validated process.env against the schema at boot; this applies the same defaults and types.
  const { value } = configValidationSchema.validate(process.env);
  return {
    port: value.PORT,
    host: value.HOST,
    modelsDir: value.MODELS_DIR,
    modelsLoading: value.MODELS_LOADING,
    modelsAutoFetch: value.MODELS_AUTO_FETCH,
    modelsBaseUrl: value.MODELS_BASE_URL,
    modelsConfig: readModelsConfigOrStop(value.MODELS_CONFIG),
    modelsPollMs: value.MODELS_POLL_MS,
    inferenceSize: value.INFERENCE_SIZE,
    workerThreads: value.WORKER_THREADS,
    intraOpThreads: value.ORT_INTRA_OP_THREADS,
    bodyLimitBytes: Math.round(value.BODY_LIMIT_MB * 1024 * 1024),
    maxImagePixels: Math.round(value.MAX_IMAGE_MEGAPIXELS * 1_000_000),
    queueDepth: value.QUEUE_DEPTH,
    requestTimeoutMs: value.REQUEST_TIMEOUT_MS,
    retryAfterSeconds: value.RETRY_AFTER_SECONDS,
    shutdownGraceMs: value.SHUTDOWN_GRACE_MS,
    logLevel: value.LOG_LEVEL,
    corsOrigins: parseCorsOrigins(value.CORS_ORIGINS),
  };
});
