import { withHostPaths } from './host-paths';

describe('withHostPaths', () => {
  it('names the host file beside each container file of the models folder', () => {
    const message = 'Cannot download yolov5s: … save it as /app/models/yolov5s.onnx; or set MODELS_BASE_URL. Model yolov5m: /app/models/yolov5m.onnx does not exist.';
    expect(withHostPaths(message, '/app/models/', './models/')).toBe(
      'Cannot download yolov5s: … save it as /app/models/yolov5s.onnx (./models/yolov5s.onnx on the host); or set MODELS_BASE_URL. ' +
        'Model yolov5m: /app/models/yolov5m.onnx (./models/yolov5m.onnx on the host) does not exist.',
    );
  });

  it('leaves other paths, and every message when no host folder is set', () => {
    expect(withHostPaths('/app/models.bak/x.onnx and /app/modelsx/y.onnx', '/app/models', '/srv/models')).toBe('/app/models.bak/x.onnx and /app/modelsx/y.onnx');
    expect(withHostPaths('/app/models/yolov5s.onnx does not exist.', '/app/models', undefined)).toBe('/app/models/yolov5s.onnx does not exist.');
  });
});
