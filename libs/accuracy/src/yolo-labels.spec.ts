import { parseYoloLabels } from './yolo-labels';

describe('parseYoloLabels', () => {
  it('turns normalised centre/size lines into pixel corners of the image', () => {
    const objects = parseYoloLabels('45 0.5 0.25 0.5 0.1\n\n0 0.1 0.9 0.2 0.2\r\n', { width: 640, height: 480 });
    expect(objects).toHaveLength(2);
    expect(objects[0]).toEqual({ classIndex: 45, x1: 160, y1: 96, x2: 480, y2: 144 });
    expect(objects[1].classIndex).toBe(0);
    expect(objects[1].x1).toBeCloseTo(0, 9);
    expect(objects[1].y2).toBeCloseTo(480, 9);
  });

  it('reads an empty file as an image without objects', () => {
    expect(parseYoloLabels('', { width: 10, height: 10 })).toEqual([]);
  });

  it('names the line that is not a label', () => {
    expect(() => parseYoloLabels('0 0.5 0.5 0.1 0.1\n0 0.5 0.5 0.1\n', { width: 10, height: 10 })).toThrow(/^line 2: /);
    expect(() => parseYoloLabels('person 0.5 0.5 0.1 0.1', { width: 10, height: 10 })).toThrow(/line 1/);
    expect(() => parseYoloLabels('1.5 0.5 0.5 0.1 0.1', { width: 10, height: 10 })).toThrow(/integer class/);
  });
});
