import { COCO_CLASS_NAMES } from './coco-names';
import { checkModelContract, HeadMetadata, recogniseHeadLayout, TensorSignature, UnsupportedTaskError } from './model-contract';

const input = (shape: (number | string)[], type = 'float32'): TensorSignature => ({ name: 'images', isTensor: true, type, shape });
const output = (shape: (number | string)[], type = 'float32'): TensorSignature => ({ name: 'output0', isTensor: true, type, shape });
/** YOLOv5's export.py writes `names` and `stride` only. */
const yolov5 = (names: readonly string[] = COCO_CLASS_NAMES, namesFromFile = true): HeadMetadata => ({ names, namesFromFile, task: null, end2end: null });
/** Ultralytics' exporter also writes `task` and `end2end`. */
const ultralytics = (end2end: boolean | null, task = 'detect', names: readonly string[] = COCO_CLASS_NAMES): HeadMetadata => ({ names, namesFromFile: true, task, end2end });

describe('checkModelContract', () => {
  it('accepts the static export and reports its size', () => {
    expect(checkModelContract('m.onnx', [input([1, 3, 640, 640])], [output([1, 25200, 85])], yolov5())).toEqual({
      inputName: 'images',
      outputName: 'output0',
      inputHeight: 640,
      inputWidth: 640,
      numClasses: 80,
      headLayout: 'yolov5',
    });
  });

  it('accepts dynamic batch/height/width', () => {
    const contract = checkModelContract('m.onnx', [input(['batch', 3, 'height', 'width'])], [output(['batch', 'anchors', 85])], yolov5());
    expect(contract.inputHeight).toBeNull();
    expect(contract.inputWidth).toBeNull();
  });

  it.each([
    [[input([1, 3, 640, 640]), input([1])], [output([1, 25200, 85])], /expected 1 input, found 2/],
    [[input([1, 3, 640, 640], 'uint8')], [output([1, 25200, 85])], /input "images" must be float32, found uint8/],
    [[input([3, 640, 640])], [output([1, 25200, 85])], /must be \[1,3,H,W\], found \[3,640,640\]/],
    [[input([1, 1, 640, 640])], [output([1, 25200, 85])], /must be \[1,3,H,W\]/],
    [[input([2, 3, 640, 640])], [output([1, 25200, 85])], /must be \[1,3,H,W\]/],
    [[input([1, 3, 'h', 640])], [output([1, 25200, 85])], /both be fixed or both dynamic/],
    [[input([1, 3, 640, 640])], [output([1, 25200])], /must be \[1,N,5\+classes\]/],
    [[input([1, 3, 640, 640])], [output([1, 25200, 85], 'float16')], /must be float32, found float16/],
    [[input([1, 3, 640, 640])], [output([1, 25200, 84])], /84 columns per row but the model names 80 classes \(expected 85\)/],
  ])('names the file and the mismatch (%#)', (inputs, outputs, message) => {
    expect(() => checkModelContract('models/bad.onnx', inputs, outputs, yolov5())).toThrow(message);
    expect(() => checkModelContract('models/bad.onnx', inputs, outputs, yolov5())).toThrow(/^models\/bad\.onnx does not have the YOLOv5 export contract/);
  });

  it('says the names metadata is missing when the COCO fallback does not fit the columns', () => {
    const outputs = [output([1, 25200, 9])];
    expect(() => checkModelContract('models/custom.onnx', [input([1, 3, 640, 640])], outputs, yolov5(COCO_CLASS_NAMES, false))).toThrow(
      /^models\/custom\.onnx does not have the YOLOv5 export contract: output "output0" has 9 columns per row \(4 classes\) but the file has no `names` metadata, so the 80 COCO classes were assumed/,
    );
  });

  it.each([
    ['the Ultralytics YOLOv8 export', [1, 84, 8400], ultralytics(false), 'yolov8'],
    ['a dynamic YOLOv8 export', ['batch', 84, 'anchors'], ultralytics(false), 'yolov8'],
    ['a YOLOv8 export without the end2end entry (older Ultralytics)', [1, 84, 8400], ultralytics(null), 'yolov8'],
    ['a YOLOv8-shaped output without Ultralytics metadata', [1, 84, 8400], yolov5(), 'yolov8'],
    ['an end-to-end export (nms=True)', [1, 300, 6], ultralytics(true), 'end2end'],
    ['an end-to-end export without the end2end entry', [1, 300, 6], ultralytics(null), 'end2end'],
    ['a YOLOv10-style output without metadata', [1, 300, 6], yolov5(), 'end2end'],
    ['a one-class YOLOv5 export (6 columns too)', [1, 25200, 6], yolov5(['duckie']), 'yolov5'],
    ['a one-class Ultralytics YOLOv8 export', [1, 5, 8400], ultralytics(false, 'detect', ['duckie']), 'yolov8'],
    ['the YOLOv5 export', [1, 25200, 85], yolov5(), 'yolov5'],
    ['a dynamic YOLOv5 export', ['batch', 'anchors', 'columns'], yolov5(), 'yolov5'],
  ] as const)('recognises %s', (_, shape, metadata, layout) => {
    expect(recogniseHeadLayout(shape, metadata)).toBe(layout);
    const contract = checkModelContract('m.onnx', [input([1, 3, 640, 640])], [output([...shape])], metadata);
    expect(contract).toMatchObject({ headLayout: layout, numClasses: metadata.names.length, inputHeight: 640, inputWidth: 640 });
  });

  it.each(['segment', 'pose', 'obb', 'classify'])('refuses an Ultralytics "%s" model, naming the task', (task) => {
    const check = () => checkModelContract('models/m.onnx', [input([1, 3, 640, 640])], [output([1, 116, 8400])], ultralytics(false, task));
    expect(check).toThrow(UnsupportedTaskError);
    expect(check).toThrow(`models/m.onnx is an Ultralytics "${task}" model: only detection models (task "detect") are served`);
  });

  it.each([
    [[1, 85, 8400], ultralytics(false), /^m\.onnx does not have the YOLOv8 export contract: output "output0" has 85 values per anchor but the model names 80 classes \(expected 84\)/],
    [[1, 300, 7], ultralytics(true), /^m\.onnx does not have the end-to-end \(NMS inside\) export contract: output "output0" must be \[1,N,6\]/],
    [[2, 84, 8400], ultralytics(false), /^m\.onnx does not have the YOLOv8 export contract: output "output0" must be \[1,4\+classes,N\]/],
  ] as const)('names the layout and the mismatch of an Ultralytics export (%#)', (shape, metadata, message) => {
    expect(() => checkModelContract('m.onnx', [input([1, 3, 640, 640])], [output([...shape])], metadata)).toThrow(message);
  });

  it('says a YOLOv8 file has no names metadata when the COCO fallback does not fit', () => {
    const metadata = { ...ultralytics(false), namesFromFile: false };
    expect(() => checkModelContract('m.onnx', [input([1, 3, 640, 640])], [output([1, 6, 8400])], metadata)).toThrow(
      /has 6 values per anchor \(2 classes\) but the file has no `names` metadata, so the 80 COCO classes were assumed: export it with Ultralytics/,
    );
  });
});
