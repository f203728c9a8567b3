import { ultralyticsCost, yolov5Cost } from '@app/onnx-writer';
import { benchFamily, benchModelCost, benchSize } from './bench-models';

describe('the bench models', () => {
  it('pairs the families by size and counts each with its own architecture', () => {
    expect((['yolov5n', 'yolov8n', 'yolov5l', 'yolov8l'] as const).map((name) => [benchFamily(name), benchSize(name)])).toEqual([
      ['YOLOv5', 'n'],
      ['YOLOv8', 'n'],
      ['YOLOv5', 'l'],
      ['YOLOv8', 'l'],
    ]);
    const rectangle = { height: 640, width: 480 };
    expect(benchModelCost('yolov8s', rectangle)).toEqual(ultralyticsCost('yolov8s', rectangle));
    expect(benchModelCost('yolov5n', rectangle)).toEqual(yolov5Cost('yolov5n', rectangle));
    expect(benchModelCost('yolov8s').parameters).not.toBe(benchModelCost('yolov5s').parameters);
  });
});
