import { YOLOV5_MODELS, yolov5Cost } from './yolov5-architecture';

describe('YOLOv5 architecture', () => {
  it.each([
    ['yolov5n', 1_867_405, 4.5],
    ['yolov5s', 7_225_885, 16.5],
    ['yolov5m', 21_172_173, 49.0],
    ['yolov5l', 46_533_693, 109.1],
  ] as const)('%s has exactly the parameter count of the official fused model', (model, parameters, publishedGflops) => {
    const cost = yolov5Cost(model);
    expect(cost.parameters).toBe(parameters);
    // Published GFLOPs include the unfused BatchNorm layers; the conv count is within 0.2 of it.
    expect(Math.abs(cost.gflops - publishedGflops)).toBeLessThan(0.2);
  });

  it('conv FLOPs scale with the input area', () => {
    for (const model of YOLOV5_MODELS) {
      expect(yolov5Cost(model, { height: 320, width: 320 }).gflops).toBeCloseTo(yolov5Cost(model).gflops / 4, 6);
    }
  });
});
