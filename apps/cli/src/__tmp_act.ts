import * as ort from 'onnxruntime-node';
import { buildYolov5Onnx, Yolov5Model, OnnxDataType } from '@app/onnx-writer';
(async () => {
  const model = (process.argv[2] ?? 'yolov5s') as Yolov5Model;
  const g = buildYolov5Onnx({ model });
  const convs = (g as any).nodes.filter((n: any) => n.opType === 'Conv').map((n: any) => n.output[0]);
  for (const c of convs) g.addOutput(c, OnnxDataType.FLOAT, ['a', 'b', 'c', 'd']);
  const s = await ort.InferenceSession.create(g.toBytes());
  const h = 640, w = 640;
  const img = new Float32Array(3 * h * w); for (let i = 0; i < img.length; i++) img[i] = ((i * 2654435761) % 1000) / 1000 * 0.5 + 0.25 * Math.sin(i / 5000);
  const r = await s.run({ images: new ort.Tensor('float32', img, [1, 3, h, w]) });
  const line: string[] = [];
  for (const c of convs) { const d = r[c].data as Float32Array; let s1 = 0, s2 = 0; for (const v of d) { s1 += v; s2 += v * v; } const m = s1 / d.length; line.push(`${c.replace('Conv_', '').replace('_out_0', '')}:${Math.sqrt(s2 / d.length - m * m).toFixed(2)}`); }
  console.log(line.join(' '));
})();
