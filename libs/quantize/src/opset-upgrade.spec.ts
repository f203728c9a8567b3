import { Attr, decodeOnnxModel, OnnxDataType, OnnxGraphBuilder } from '@app/onnx-writer';
import { upgradeToOpset13 } from './opset-upgrade';

function splitModel(opsetVersion: number) {
  const graph = new OnnxGraphBuilder({ opsetVersion, irVersion: 7 });
  const input = graph.addInput('x', OnnxDataType.FLOAT, [1, 85]);
  const [a, b] = graph.addMultiOutputNode('Split', [input], 2, { axis: Attr.int(1), split: Attr.ints([4, 81]) });
  graph.addNode('Squeeze', [graph.addNode('Unsqueeze', [a], { axes: Attr.ints([0]) })], { axes: Attr.ints([0]) }, 'y');
  graph.addOutput('y', OnnxDataType.FLOAT, [1, 4]);
  graph.addNode('Sigmoid', [b], {}, 'z');
  graph.addOutput('z', OnnxDataType.FLOAT, [1, 81]);
  return decodeOnnxModel(graph.toBytes());
}

describe('upgradeToOpset13', () => {
  it("turns Split's split and (Un)Squeeze's axes attributes into int64 inputs and imports opset 13", () => {
    const model = splitModel(12);
    expect(upgradeToOpset13(model)).toBe(12);
    expect(model.opsetImport.map((entry) => entry.version)).toEqual([13]);
    const [split, unsqueeze, squeeze] = model.graph.node;
    expect(split.attribute.map((attribute) => attribute.name)).toEqual(['axis']);
    const initializer = (name: string) => model.graph.initializer.find((tensor) => tensor.name === name)!;
    expect(initializer(split.input[1])).toMatchObject({ dataType: OnnxDataType.INT64, dims: [2], int64Data: [4, 81] });
    expect(initializer(unsqueeze.input[1])).toMatchObject({ int64Data: [0] });
    expect(initializer(squeeze.input[1])).toMatchObject({ int64Data: [0] });
    expect(unsqueeze.attribute).toEqual([]);
  });

  it('leaves an opset 13+ model alone', () => {
    const model = splitModel(17);
    const before = JSON.stringify(model);
    expect(upgradeToOpset13(model)).toBe(17);
    expect(JSON.stringify(model)).toBe(before);
  });

  it('refuses opsets older than 11 with advice', () => {
    expect(() => upgradeToOpset13(splitModel(10))).toThrow(/opset 10 is too old.*re-export/);
  });
});
