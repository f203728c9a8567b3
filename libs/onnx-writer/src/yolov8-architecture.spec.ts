import { anchorPointCount, ULTRALYTICS_MODELS, ultralyticsCost } from './yolov8-architecture';

describe('YOLOv8 / YOLO11 architectures', () => {
  // The parameter counts Ultralytics prints for the fused COCO models ("YOLOv8n summary (fused): ... 3,151,904
  // parameters ... 8.7 GFLOPs"); the published tables round them (YOLOv8n 3.2M, s 11.2M, m 25.9M, l 43.7M).
  // yolo11l: 25,280,083 printed for a 1-class model, plus 79 classes x 3 levels x 257 class-conv parameters.
  it.each([
    ['yolov8n', 3_151_904, 8.7],
    ['yolov8s', 11_156_544, 28.6],
    ['yolov8m', 25_886_080, 78.9],
    ['yolov8l', 43_668_288, 165.2],
    ['yolo11n', 2_616_248, 6.5],
    ['yolo11s', 9_443_760, 21.5],
    ['yolo11m', 20_091_712, 68.0],
    ['yolo11l', 25_340_992, 86.9],
  ] as const)('%s has exactly the parameter count of the official fused model', (model, parameters, publishedGflops) => {
    const cost = ultralyticsCost(model);
    expect(cost.parameters).toBe(parameters);
    expect(Math.abs(cost.gflops - publishedGflops)).toBeLessThan(0.1);
  });

  it('conv FLOPs scale with the input area; 8400 anchor points at 640x640', () => {
    for (const model of ULTRALYTICS_MODELS) {
      expect(ultralyticsCost(model, { height: 320, width: 320 }).gflops).toBeCloseTo(ultralyticsCost(model).gflops / 4, 6);
    }
    expect(anchorPointCount(640, 640)).toBe(8400);
    expect(anchorPointCount(480, 640)).toBe(6300);
  });
});
