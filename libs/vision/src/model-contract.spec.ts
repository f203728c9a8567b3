import { COCO_CLASS_NAMES } from './coco-names';
import { checkModelContract, TensorSignature } from './model-contract';

const input = (shape: (number | string)[], type = 'float32'): TensorSignature => ({ name: 'images', isTensor: true, type, shape });
const output = (shape: (number | string)[], type = 'float32'): TensorSignature => ({ name: 'output0', isTensor: true, type, shape });

describe('checkModelContract', () => {
  it('accepts the static export and reports its size', () => {
    expect(checkModelContract('m.onnx', [input([1, 3, 640, 640])], [output([1, 25200, 85])], COCO_CLASS_NAMES)).toEqual({
      inputName: 'images',
      outputName: 'output0',
      inputHeight: 640,
      inputWidth: 640,
      numClasses: 80,
    });
  });

  it('accepts dynamic batch/height/width', () => {
    const contract = checkModelContract('m.onnx', [input(['batch', 3, 'height', 'width'])], [output(['batch', 'anchors', 85])], COCO_CLASS_NAMES);
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
    expect(() => checkModelContract('models/bad.onnx', inputs, outputs, COCO_CLASS_NAMES)).toThrow(message);
    expect(() => checkModelContract('models/bad.onnx', inputs, outputs, COCO_CLASS_NAMES)).toThrow(/^models\/bad\.onnx does not have the YOLOv5 export contract/);
  });

  it('says the names metadata is missing when the COCO fallback does not fit the columns', () => {
    const outputs = [output([1, 25200, 9])];
    expect(() => checkModelContract('models/custom.onnx', [input([1, 3, 640, 640])], outputs, COCO_CLASS_NAMES, false)).toThrow(
      /^models\/custom\.onnx does not have the YOLOv5 export contract: output "output0" has 9 columns per row \(4 classes\) but the file has no `names` metadata, so the 80 COCO classes were assumed/,
    );
  });
});
