import * as ort from 'onnxruntime-node';
import { buildYolov5Onnx, Yolov5Model } from '@app/onnx-writer';
const stats = (d: Float32Array, col: number, stride = 85) => { let mn = Infinity, mx = -Infinity, s = 0, n = 0, nan = 0; for (let i = col; i < d.length; i += stride) { const v = d[i]; if (!Number.isFinite(v)) nan++; mn = Math.min(mn, v); mx = Math.max(mx, v); s += v; n++; } return { mn: +mn.toFixed(4), mx: +mx.toFixed(4), mean: +(s / n).toFixed(4), nan }; };
(async () => {
  const model = (process.argv[2] ?? 'yolov5s') as Yolov5Model;
  const dynamic = process.argv[3] === 'dyn';
  let t = Date.now();
  const g = buildYolov5Onnx({ model, dynamic });
  const bytes = g.toBytes();
  console.log('build', Date.now() - t, 'ms', bytes.byteLength);
  t = Date.now();
  const s = await ort.InferenceSession.create(bytes);
  console.log('session', Date.now() - t, 'ms', JSON.stringify(s.inputMetadata), JSON.stringify(s.outputMetadata));
  const sizes = dynamic ? [[480, 640], [640, 640], [320, 416]] : [[640, 640]];
  for (const [h, w] of sizes) {
    const img = new Float32Array(3 * h * w); for (let i = 0; i < img.length; i++) img[i] = ((i * 2654435761) % 1000) / 1000 * 0.5 + 0.25 * Math.sin(i / 5000);
    for (let k = 0; k < 2; k++) {
      t = Date.now();
      const r = await s.run({ images: new ort.Tensor('float32', img, [1, 3, h, w]) });
      const d = r.output0.data as Float32Array;
      console.log(h, w, 'run', Date.now() - t, 'ms', r.output0.dims);
      if (k === 0) for (const c of [0, 1, 2, 3, 4, 5, 20]) console.log(' col', c, JSON.stringify(stats(d, c)));
      if (k === 0) { let cnt = 0; for (let i = 0; i < d.length; i += 85) { let best = 0; for (let c = 5; c < 85; c++) best = Math.max(best, d[i + c]); if (d[i + 4] * best > 0.25) cnt++; } console.log(' conf>0.25 rows', cnt); }
    }
  }
})();
