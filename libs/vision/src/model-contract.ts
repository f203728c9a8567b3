/** The YOLOv5 ONNX export contract: input [1,3,H,W] float32, output [1,N,5+nc] float32 (H/W static or symbolic). */

/** Shape of a session input/output as onnxruntime reports it (numbers, or strings for symbolic dimensions). */
export interface TensorSignature {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export interface ModelContract {
  inputName: string;
  outputName: string;
  /** Fixed input size, or null for a model whose height/width axes are dynamic. */
  inputHeight: number | null;
  inputWidth: number | null;
  numClasses: number;
}

export class ModelContractError extends Error {
  constructor(file: string, mismatch: string) {
    super(`${file} does not have the YOLOv5 export contract: ${mismatch}`);
    this.name = 'ModelContractError';
  }
}

const isStatic = (dim: number | string | undefined): dim is number => typeof dim === 'number' && dim > 0;
const describeShape = (shape: ReadonlyArray<number | string> | undefined) => `[${(shape ?? []).join(',')}]`;

export function checkModelContract(
  file: string,
  inputs: readonly TensorSignature[],
  outputs: readonly TensorSignature[],
  classNames: readonly string[],
  /** False when the file has no `names` metadata and classNames are the COCO fallback: the error then says so. */
  namesFromFile = true,
): ModelContract {
  if (inputs.length !== 1) throw new ModelContractError(file, `expected 1 input, found ${inputs.length}`);
  if (outputs.length < 1) throw new ModelContractError(file, 'the model has no output');
  const [input] = inputs;
  const [output] = outputs;
  if (!input.isTensor || input.type !== 'float32') {
    throw new ModelContractError(file, `input "${input.name}" must be float32, found ${input.type ?? 'a non-tensor'}`);
  }
  const inShape = input.shape ?? [];
  if (inShape.length !== 4 || (isStatic(inShape[0]) && inShape[0] !== 1) || inShape[1] !== 3) {
    throw new ModelContractError(file, `input "${input.name}" must be [1,3,H,W], found ${describeShape(inShape)}`);
  }
  const [height, width] = [inShape[2], inShape[3]];
  if (isStatic(height) !== isStatic(width)) {
    throw new ModelContractError(file, `input height and width must both be fixed or both dynamic, found ${describeShape(inShape)}`);
  }
  if (!output.isTensor || output.type !== 'float32') {
    throw new ModelContractError(file, `output "${output.name}" must be float32, found ${output.type ?? 'a non-tensor'}`);
  }
  const outShape = output.shape ?? [];
  const columns = outShape[2];
  if (outShape.length !== 3 || (isStatic(outShape[0]) && outShape[0] !== 1)) {
    throw new ModelContractError(file, `output "${output.name}" must be [1,N,5+classes], found ${describeShape(outShape)}`);
  }
  if (isStatic(columns) && columns !== 5 + classNames.length) {
    throw new ModelContractError(
      file,
      namesFromFile
        ? `output "${output.name}" has ${columns} columns per row but the model names ${classNames.length} classes (expected ${5 + classNames.length})`
        : `output "${output.name}" has ${columns} columns per row (${columns - 5} classes) but the file has no \`names\` metadata, so the ${classNames.length} COCO classes were assumed: export it with YOLOv5's export.py, which writes the class names`,
    );
  }
  return {
    inputName: input.name,
    outputName: output.name,
    inputHeight: isStatic(height) ? height : null,
    inputWidth: isStatic(width) ? width : null,
    numClasses: classNames.length,
  };
}
