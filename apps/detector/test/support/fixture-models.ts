import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODEL_NAMES } from '@app/model-store';
import { FIXTURE_MARK_CLASS, FIXTURE_ROWS, fixtureMarkRow, makeFixedOutputModel } from '@app/onnx-writer';

/**
 * Writes the e2e fixture models into `dir`: yolov5s/m/l files whose output is FIXTURE_ROWS, so the expected
 * detections of any image follow from letterbox geometry alone. Static 640x640 by default, or dynamic height/width.
 * Each name also gets its own mark row (`fixtureMarkIndex`), so the files differ and a test can see which answered.
 */
export function writeFixtureModels(dir: string, kind: 'static' | 'dynamic' = 'static', names: readonly string[] = DEFAULT_MODEL_NAMES): string {
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const rows = [...FIXTURE_ROWS[kind], fixtureMarkRow(fixtureMarkIndex(name))];
    writeFileSync(join(dir, `${name}.onnx`), makeFixedOutputModel({ rows, input: kind === 'dynamic' ? 'dynamic' : undefined }));
  }
  return dir;
}

/** Which mark a fixture model of this name carries: yolov5s 0, yolov5m 1, yolov5l 2, any other name 3 and up. */
export function fixtureMarkIndex(name: string): number {
  const official = DEFAULT_MODEL_NAMES.indexOf(name);
  if (official >= 0) return official;
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 36;
  return DEFAULT_MODEL_NAMES.length + hash;
}

/**
 * Which fixture model answered a request for `model`: the index of the mark in its answer (see `fixtureMarkIndex`),
 * asked for with the weak threshold and class filter that let only the mark through.
 */
export async function answeringFixtureMark(url: string, model: string, image: Uint8Array): Promise<number | null> {
  const response = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model, image: Buffer.from(image).toString('base64'), confidence_threshold: 0.01, classes: [FIXTURE_MARK_CLASS] }),
  });
  if (response.status !== 200) throw new Error(`POST /predict for ${model} answered ${response.status}: ${await response.text()}`);
  const { detections } = (await response.json()) as { detections: { confidence: number }[] };
  return detections.length === 1 ? Math.round(detections[0].confidence * 1000) - 11 : null;
}
