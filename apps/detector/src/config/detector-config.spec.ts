import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configValidationSchema, detectorConfig, readDetectorConfig } from './detector-config';

const validate = (env: Record<string, string>) => configValidationSchema.validate(env, { abortEarly: false });

describe('detector configuration', () => {
  const saved = process.env;
  afterEach(() => (process.env = saved));

  it('has a typed default for every setting', () => {
    process.env = {};
    expect(detectorConfig()).toMatchObject({
      port: 8000,
      host: '0.0.0.0',
      bodyLimitBytes: 20 * 1024 * 1024,
      maxImagePixels: 40_000_000,
      queueDepth: 16,
      requestTimeoutMs: 30_000,
      retryAfterSeconds: 1,
      shutdownGraceMs: 8_000,
      logLevel: 'info',
      corsOrigins: null,
      streamMaxFrameBytes: 4 * 1024 * 1024,
      streamMaxStreams: 8,
      streamIdleTimeoutMs: 30_000,
      streamMaxMessagesPerSecond: 60,
      apiKeys: [],
      apiKeysFromFile: [],
      metricsApiKeys: [],
      metricsApiKeysFromFile: [],
      rateLimitRequests: 0,
      rateLimitWindowSeconds: 60,
      streamMaxUnreadBytes: 64 * 1024,
      annotateMaxPixels: 16_000_000,
    });
  });

  it('reads API keys from the variable and from a mounted secret file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'api-keys');
    writeFileSync(file, '# one per line\nfile-key-0123456789\n');
    process.env = { API_KEYS: 'env-key-0123456789,env-key-abcdefghij', API_KEYS_FILE: file, METRICS_API_KEY: 'scrape-key-0123456789' };
    expect(detectorConfig()).toMatchObject({ apiKeys: ['env-key-0123456789', 'env-key-abcdefghij'], apiKeysFromFile: ['file-key-0123456789'], metricsApiKeys: ['scrape-key-0123456789'] });
  });

  it('stops start-up on a bad key or an unreadable keys file, without printing the key', () => {
    process.env = { API_KEYS: 'short-secret' };
    expect(() => detectorConfig()).toThrow('Config validation error: "API_KEYS": key 1 is 12 characters long; use at least 16');
    expect(() => detectorConfig()).not.toThrow(/short-secret/);
    process.env = { API_KEYS_FILE: '/nonexistent/api-keys' };
    expect(() => detectorConfig()).toThrow('Config validation error: "API_KEYS_FILE": cannot read the file (ENOENT)');
  });

  it('converts units and lists', () => {
    process.env = { BODY_LIMIT_MB: '0.5', MAX_IMAGE_MEGAPIXELS: '12.5', CORS_ORIGINS: ' https://a.example ,https://b.example:8443 ' };
    expect(detectorConfig()).toMatchObject({ bodyLimitBytes: 524_288, maxImagePixels: 12_500_000, corsOrigins: ['https://a.example', 'https://b.example:8443'] });
    process.env = { CORS_ORIGINS: '*' };
    expect(detectorConfig().corsOrigins).toBe('*');
  });

  it.each([
    ['PORT', 'abc', /"PORT" must be a number/],
    ['PORT', '70000', /"PORT" must be a valid port/],
    ['QUEUE_DEPTH', '-1', /"QUEUE_DEPTH" must be greater than or equal to 0/],
    ['REQUEST_TIMEOUT_MS', '10', /"REQUEST_TIMEOUT_MS" must be greater than or equal to 100/],
    ['SHUTDOWN_GRACE_MS', '1.5', /"SHUTDOWN_GRACE_MS" must be an integer/],
    ['MAX_IMAGE_MEGAPIXELS', '0', /"MAX_IMAGE_MEGAPIXELS" must be a positive number/],
    ['STREAM_MAX_STREAMS', '-1', /"STREAM_MAX_STREAMS" must be greater than or equal to 0/],
    ['STREAM_IDLE_TIMEOUT_MS', '10', /"STREAM_IDLE_TIMEOUT_MS" must be greater than or equal to 1000/],
    ['LOG_LEVEL', 'loud', /"LOG_LEVEL" must be one of/],
    ['RATE_LIMIT_REQUESTS', '-1', /"RATE_LIMIT_REQUESTS" must be greater than or equal to 0/],
    ['RATE_LIMIT_WINDOW_SECONDS', '0', /"RATE_LIMIT_WINDOW_SECONDS" must be greater than or equal to 1/],
    ['CORS_ORIGINS', 'example.com', /"CORS_ORIGINS" .*origin list/],
  ])('refuses %s=%s with a message naming it', (name, value, message) => {
    expect(validate({ [name]: value }).error?.message).toMatch(message);
  });

  it('reads the typed settings from a given environment, as the CLI does, and refuses a bad value by name', () => {
    expect(readDetectorConfig({ WORKER_THREADS: '3', ORT_INTRA_OP_THREADS: '2' })).toMatchObject({ workerThreads: 3, intraOpThreads: 2, port: 8000 });
    expect(() => readDetectorConfig({ WORKER_THREADS: '0' })).toThrow(/^Config validation error: "WORKER_THREADS" must be greater than or equal to 1$/);
  });
});
