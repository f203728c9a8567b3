import { isProbe } from './request-facts';

describe('isProbe', () => {
  it.each(['/health', '/health/ready', '/metrics?name=x', '/v2/health/live', '/v2/health/ready', '/v2/models/yolov5s/ready', '/v2/models/yolov5s/ready?x=1'])('counts %s as a probe', (url) => {
    expect(isProbe(url)).toBe(true);
  });

  it.each(['/predict', '/healthz', '/v2', '/v2/models/yolov5s', '/v2/models/yolov5s/infer', '/v2/models/a/b/ready'])('does not count %s', (url) => {
    expect(isProbe(url)).toBe(false);
  });
});
