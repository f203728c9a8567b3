import { DatasetAccuracy, PrecisionRecall } from '@app/accuracy';
import { table } from './report';

/** mAP figures another pipeline measured on coco128, and what that pipeline was (one sentence for the report). */
export interface ReferenceFigures {
  pipeline: string;
  /** Its answer with integer boxes, as the old app's clients get it; null for a pipeline that answers floats only. */
  integer: { map50: number; map: number } | null;
  float: { map50: number; map: number };
}

/**
 * The old app's pipeline (torch hub AutoShape at 640, YOLOv5 v7.0 code) with the PyTorch weights that
 * ../shared/models/yolov5n.onnx and yolov5n-dynamic.onnx were exported from, on coco128 at conf 0.001, IoU 0.6, at
 * most 300 boxes: ../shared/datasets/coco128/README.md. `integer` is its answer as clients get it (boxes truncated,
 * confidence to 3 places), `float` the same run with float boxes.
 */
export const OLD_PIPELINE_COCO128: ReferenceFigures = {
  pipeline: 'Old pipeline: torch hub AutoShape at 640 with the PyTorch yolov5n weights, same settings (../shared/datasets/coco128/README.md).',
  integer: { map50: 0.553, map: 0.345 },
  float: { map50: 0.554, map: 0.353 },
};

/** Ultralytics' documented pipeline with ../shared/models/ultralytics/yolov8n-int8-dynamic.onnx (its README). */
export const ULTRALYTICS_YOLOV8N_INT8_COCO128: ReferenceFigures = {
  pipeline:
    "Reference: Ultralytics' documented pipeline with this file, same settings: square 640 centre letterbox, class-aware NMS, one label per box " +
    '(../shared/models/README.md); it answers float boxes.',
  integer: null,
  float: { map50: 0.61, map: 0.455 },
};

/** The files whose reference figures were measured with the same weights, by sha256; any other file is compared with the old pipeline (orientation only). */
export const REFERENCE_WEIGHTS_SHA256: Readonly<Record<string, { file: string; figures: ReferenceFigures }>> = {
  '6364627b27f6094c6df2e1fdf95b6272a5c35c446c39c3e4ec7807121d1cbf32': { file: 'yolov5n.onnx (static 640x640)', figures: OLD_PIPELINE_COCO128 },
  '7d3f14c3e9be25283790784a0f870a1e0cdc5eedf14c5e5a22086b2b0064860c': { file: 'yolov5n-dynamic.onnx', figures: OLD_PIPELINE_COCO128 },
  '83de8f0d2cd521e00ae2b138c340a03dece35b060b3898509bdc69afff417312': { file: 'ultralytics/yolov8n-int8-dynamic.onnx', figures: ULTRALYTICS_YOLOV8N_INT8_COCO128 },
};

export interface AccuracyResults {
  date: string;
  model: { file: string; sha256: string; input: string; classes: number };
  data: { folder: string; images: number; labelledObjects: number; classesPresent: number };
  settings: { size: number; evaluation: { confidence: number; iou: number; maxDetections: number }; defaults: { confidence: number; iou: number } };
  /** mAP of the evaluation run with the service's default integer boxes, and with float_boxes. */
  integer: DatasetAccuracy;
  float: DatasetAccuracy;
  /** At the service's default thresholds, integer boxes, matched at IoU 0.5. */
  atDefaults: PrecisionRecall;
  /** Whole pipeline (read, decode, letterbox, run, NMS, boxes) per image, one image at a time. */
  imagesPerSecond: { evaluation: number; defaults: number };
  /** What the reference figures are, when the data folder is coco128 (null otherwise). */
  reference: { figures: ReferenceFigures; sameWeights: boolean; sameSize: boolean } | null;
  durationS: number;
}

const fixed3 = (value: number) => value.toFixed(3);
const signed3 = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;

/** The run's report; `perClass: false` leaves out the AP of each class (the docs keep the headline figures). */
export function renderAccuracyMarkdown(results: AccuracyResults, classNames: readonly string[], { perClass = true } = {}): string {
  const { model, data, settings, reference } = results;
  const { evaluation, defaults } = settings;
  const out: string[] = [];
  out.push(`## Accuracy ${results.date}: ${model.file} on ${data.folder}`);
  out.push(
    `${data.images} images, ${data.labelledObjects} labelled objects, ${data.classesPresent} classes present. Model input ${model.input}` +
      ` (size ${settings.size}), the service's pipeline in process: decode, letterbox, ONNX Runtime, per-class NMS, boxes in original pixels.` +
      ` Evaluation run at confidence ${evaluation.confidence}, IoU ${evaluation.iou}, at most ${evaluation.maxDetections} boxes per image;` +
      ` COCO-style mAP (greedy matching by confidence, 101-point interpolated AP, mean over the classes present).`,
  );
  const referenceFigure = (kind: 'integer' | 'float', key: 'map50' | 'map') => reference?.figures[kind]?.[key] ?? null;
  const referenceCell = (kind: 'integer' | 'float', key: 'map50' | 'map') => {
    const figure = referenceFigure(kind, key);
    return figure === null ? '–' : fixed3(figure);
  };
  const differenceCell = (kind: 'integer' | 'float', key: 'map50' | 'map') => {
    const figure = referenceFigure(kind, key);
    return figure === null ? '–' : signed3(results[kind][key] - figure);
  };
  out.push(
    table(
      ['', 'this service', 'reference', 'difference'],
      [
        ['mAP@0.5, integer boxes (the default answer)', fixed3(results.integer.map50), referenceCell('integer', 'map50'), differenceCell('integer', 'map50')],
        ['mAP@0.5:0.95, integer boxes', fixed3(results.integer.map), referenceCell('integer', 'map'), differenceCell('integer', 'map')],
        ['mAP@0.5, float boxes (`float_boxes`)', fixed3(results.float.map50), referenceCell('float', 'map50'), differenceCell('float', 'map50')],
        ['mAP@0.5:0.95, float boxes', fixed3(results.float.map), referenceCell('float', 'map'), differenceCell('float', 'map')],
      ],
    ),
  );
  if (reference === null) {
    out.push('No reference figures: they were measured on coco128 only.');
  } else {
    const caveats = [
      reference.sameWeights ? '' : 'this model file is not one of the files a reference was measured with (orientation only)',
      reference.sameSize ? '' : `the reference ran at size 640, this run at ${settings.size}`,
    ].filter(Boolean);
    out.push(reference.figures.pipeline + (caveats.length > 0 ? ` Note: ${caveats.join('; ')}.` : ''));
  }
  const pr = results.atDefaults;
  out.push(
    `At the service's defaults (confidence ${defaults.confidence}, IoU ${defaults.iou}), integer boxes matched at IoU 0.5: ` +
      `precision ${fixed3(pr.precision)}, recall ${fixed3(pr.recall)} (${pr.truePositives} true and ${pr.falsePositives} false positives, ${pr.labels} labelled objects).`,
  );
  out.push(
    `Speed, one image at a time in this process: ${results.imagesPerSecond.defaults.toFixed(1)} images/s at the defaults, ` +
      `${results.imagesPerSecond.evaluation.toFixed(1)} images/s at the evaluation settings. Whole run ${results.durationS.toFixed(0)} s.`,
  );
  if (!perClass) return out.join('\n\n') + '\n';
  out.push('### AP per class present (integer boxes)');
  out.push(
    table(
      ['class', 'labelled', 'detections', 'AP@0.5', 'AP@0.5:0.95'],
      results.integer.classes.map((c) => [classNames[c.classIndex] ?? String(c.classIndex), String(c.labels), String(c.detections), fixed3(c.ap50), fixed3(c.apMean)]),
    ),
  );
  return out.join('\n\n') + '\n';
}
