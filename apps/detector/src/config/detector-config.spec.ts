import { configValidationSchema, detectorConfig } from './detector-config';

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
      streamMaxUnreadBytes: 64 * 1024,
      annotateMaxPixels: 16_000_000,
    });
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
    ['CORS_ORIGINS', 'example.com', /"CORS_ORIGINS" .*origin list/],
  ])('refuses %s=%s with a message naming it', (name, value, message) => {
    expect(validate({ [name]: value }).error?.message).toMatch(message);
  });
});
