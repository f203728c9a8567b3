import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OnnxMetadataEntry, OnnxProto } from '@app/onnx-writer';
import { E2E_TMP, SHARED_MODELS_DIR } from './paths';

/** Real trained networks (../shared/models/README.md): read where they are, never copied into the repository. */
export const REAL_MODELS = {
  /** COCO yolov5n, static 1x3x640x640, as the official release files. */
  coco: 'yolov5n.onnx',
  /** The same weights with dynamic height/width: run at AutoShape's rectangle, as the reference was. */
  cocoDynamic: 'yolov5n-dynamic.onnx',
  /** 4 classes: duckie, cone, truck, bus. */
  duckietown: 'custom/duckietown-yolov5n.onnx',
  /** 2 classes: Biodegradable, Non-biodegradable. */
  waste: 'custom/waste-yolov5n.onnx',
  /** COCO YOLOv8n (Ultralytics export, INT8 weights), static 1x3x640x640, output [1,84,8400]: the YOLOv8 head layout. */
  yolov8: 'ultralytics/yolov8n-int8-dynamic.onnx',
} as const;
export type RealModel = keyof typeof REAL_MODELS;

export interface RealModelsFolder {
  /** MODELS_DIR for startService. */
  dir: string;
  /** The name each requested model is served under (its file's stem, see servedName). */
  served: Partial<Record<RealModel, string>>;
  /** The ../shared files that are absent (then nothing is linked and the tests skip). */
  missing: string[];
}

/**
 * The name a real model is served under: its file's stem (yolov5n, yolov5n-dynamic, duckietown-yolov5n,
 * waste-yolov5n, yolov8n-int8-dynamic), as the catalog serves any *.onnx of the folder. The defaults yolov5s/m/l are then listed as missing
 * beside them (the tests start the service offline), which does not hold readiness back.
 */
const servedName = (model: RealModel): string => basename(REAL_MODELS[model], '.onnx');

function freshFolder(label: string, files: readonly string[]): { dir: string; missing: string[] } {
  const dir = join(E2E_TMP, `models-real-${label}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { dir, missing: files.filter((file) => !existsSync(file)) };
}

/** A models folder that serves real networks from ../shared/models through symbolic links (nothing is copied). */
export function realModelsFolder(label: string, models: readonly RealModel[]): RealModelsFolder {
  const { dir, missing } = freshFolder(label, models.map((model) => join(SHARED_MODELS_DIR, REAL_MODELS[model])));
  const served: Partial<Record<RealModel, string>> = {};
  if (missing.length > 0) return { dir, served, missing };
  for (const model of models) {
    symlinkSync(join(SHARED_MODELS_DIR, REAL_MODELS[model]), join(dir, basename(REAL_MODELS[model])));
    served[model] = servedName(model);
  }
  return { dir, served, missing };
}

/** A real model with its metadata edited: a value replaces an entry, null removes it. */
export interface ModelVariant {
  /** The name it is served under (the stem of its file in the folder): say what was edited. */
  name: string;
  of: RealModel;
  metadata: Record<string, string | null>;
}

/** A models folder of edited copies of real models (broken exports, for the error tests), written to the e2e scratch space. */
export function modelVariantsFolder(label: string, variants: readonly ModelVariant[]): { dir: string; served: string[]; missing: string[] } {
  const { dir, missing } = freshFolder(label, variants.map(({ of }) => join(SHARED_MODELS_DIR, REAL_MODELS[of])));
  if (missing.length > 0) return { dir, served: [], missing };
  const served = variants.map(({ name, of, metadata }) => {
    const model = OnnxProto.ModelProto.decode(readFileSync(join(SHARED_MODELS_DIR, REAL_MODELS[of]))) as unknown as { metadataProps: OnnxMetadataEntry[] };
    const kept = model.metadataProps.filter(({ key }) => !(key in metadata));
    const edited = Object.entries(metadata).flatMap(([key, value]) => (value === null ? [] : [{ key, value }]));
    model.metadataProps = [...kept, ...edited].map((entry) => OnnxProto.StringStringEntryProto.create(entry) as unknown as OnnxMetadataEntry);
    writeFileSync(join(dir, `${name}.onnx`), OnnxProto.ModelProto.encode(model as never).finish());
    return name;
  });
  return { dir, served, missing };
}

/** `describe`, or `describe.skip` with the absent files in its title when any file the tests need is missing. */
export function describeWithFiles(missing: readonly string[]): (title: string, body: () => void) => void {
  if (missing.length === 0) return describe;
  return (title, body) => describe.skip(`${title} (skipped: ${missing.join(', ')} absent)`, body);
}
