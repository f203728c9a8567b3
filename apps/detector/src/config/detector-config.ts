import { availableParallelism } from 'node:os';
import { registerAs } from '@nestjs/config';
import * as Joi from 'joi';

/**
 * Every setting of the service: one Joi schema, validated at boot (a bad value stops startup with a message naming
 * the variable), then exposed as one typed object. The README's configuration table mirrors this file.
 */
const cores = availableParallelism();

export const configValidationSchema = Joi.object({
  PORT: Joi.number().port().default(8000),
  HOST: Joi.string().default('0.0.0.0'),
  MODELS_DIR: Joi.string().default('models'),
  MODELS_LOADING: Joi.string().valid('eager', 'lazy').default('eager'),
  MODELS_AUTO_FETCH: Joi.boolean().truthy('1').falsy('0').default(true),
  MODELS_BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).optional(),
  INFERENCE_SIZE: Joi.number().integer().min(32).max(4096).default(640),
  WORKER_THREADS: Joi.number().integer().min(1).max(64).default(Math.min(2, cores)),
  ORT_INTRA_OP_THREADS: Joi.number().integer().min(1).max(64).default(cores),
  BODY_LIMIT_MB: Joi.number().positive().max(1024).default(20),
}).unknown(true);

export interface DetectorConfig {
  port: number;
  host: string;
  modelsDir: string;
  modelsLoading: 'eager' | 'lazy';
  modelsAutoFetch: boolean;
  modelsBaseUrl: string | undefined;
  inferenceSize: number;
  workerThreads: number;
  intraOpThreads: number;
  bodyLimitBytes: number;
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
    inferenceSize: value.INFERENCE_SIZE,
    workerThreads: value.WORKER_THREADS,
    intraOpThreads: value.ORT_INTRA_OP_THREADS,
    bodyLimitBytes: Math.round(value.BODY_LIMIT_MB * 1024 * 1024),
  };
});
