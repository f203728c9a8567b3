import { scaleBoxesToImage, toDetection } from './scale-boxes';
import { Candidate } from './yolo-output';

const box = (x1: number, y1: number, x2: number, y2: number): Candidate => ({ x1, y1, x2, y2, confidence: 0.87654, classIndex: 1 });

describe('scaleBoxesToImage', () => {
  it('removes the letterbox padding and divides by the gain', () => {
    // 1280x720 in 640x640: gain 0.5, pad y = (640 - 360) / 2 = 140.
    const [scaled] = scaleBoxesToImage([box(100, 200, 300, 400)], { width: 640, height: 640 }, { width: 1280, height: 720 });
    expect(scaled).toMatchObject({ x1: 200, y1: 120, x2: 600, y2: 520 });
  });

  it('handles horizontal padding of portrait images', () => {
    // 810x1080 in 640x640: gain 640/1080, pad x = (640 - 480) / 2 = 80.
    const [scaled] = scaleBoxesToImage([box(80, 0, 560, 640)], { width: 640, height: 640 }, { width: 810, height: 1080 });
    expect(scaled.x1).toBeCloseTo(0, 9);
    expect(scaled.x2).toBeCloseTo(810, 9);
    expect(scaled.y2).toBeCloseTo(1080, 9);
  });

  it('clips boxes to the image', () => {
    const [scaled] = scaleBoxesToImage([box(-50, 100, 700, 700)], { width: 640, height: 640 }, { width: 1280, height: 720 });
    expect(scaled).toMatchObject({ x1: 0, x2: 1280, y2: 720 });
  });
});

describe('toDetection', () => {
  it('gives integer corners (truncated like Python int()) and a 3-decimal confidence, with the class name', () => {
    expect(toDetection(box(10.9, 20.2, 30.999, 40.5), ['person', 'bicycle'])).toEqual({
      x_min: 10,
      y_min: 20,
      x_max: 30,
      y_max: 40,
      class_name: 'bicycle',
      confidence: 0.877,
    });
  });

  it('gives sub-pixel corners (to 1/100 pixel) when asked, the rest unchanged', () => {
    expect(toDetection(box(10.9, 20.2, 30.999, 40.5), ['person', 'bicycle'], true)).toEqual({
      x_min: 10.9,
      y_min: 20.2,
      x_max: 31,
      y_max: 40.5,
      class_name: 'bicycle',
      confidence: 0.877,
    });
    expect(toDetection(box(12.3456, 0.004, 99.995, 7), ['person', 'bicycle'], true)).toMatchObject({ x_min: 12.35, y_min: 0, x_max: 100, y_max: 7 });
  });
});
