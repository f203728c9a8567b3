import { Detection, ImageError } from '@app/vision';
import type { CatalogService } from '../catalog/catalog.service';
import { ModelUnavailableError, UnknownModelError } from '../catalog/model-errors';
import { RequestRefusedError } from '../inference/request-refused.error';
import { CompareService } from './compare.service';
import type { DetectionResult, DetectionService } from './detection.service';

const NAMES = ['yolov5s', 'yolov5m', 'yolov5l'];
const person: Detection = { x_min: 10, y_min: 10, x_max: 110, y_max: 210, class_name: 'person', confidence: 0.9 };

/** A catalog that knows the three names, and a detection service whose answers and timing the test controls. */
function setUp(answer: (model: string) => Promise<Detection[]>) {
  const events: string[] = [];
  const received: Uint8Array[] = [];
  const catalog = {
    names: NAMES,
    get: (name: string) => (NAMES.includes(name) ? { name } : undefined),
    scan: async () => undefined,
  } as unknown as CatalogService;
  const detection = {
    predict: async (model: string, image: ArrayBuffer): Promise<DetectionResult> => {
      events.push(`start ${model}`);
      received.push(new Uint8Array(image));
      try {
        const detections = await answer(model);
        return {
          detections,
          time: 0.0556,
          model,
          image: { width: 640, height: 480 },
          input: { width: 640, height: 640 },
          timings: { decode: 10.12, preprocess: 2.35, inference: 55.56, postprocess: 0.99 },
        };
      } finally {
        events.push(`end ${model}`);
      }
    },
  } as unknown as DetectionService;
  return { service: new CompareService(catalog, detection), events, received };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('CompareService', () => {
  it('runs the models one after another, never two at once, each on its own copy of the image', async () => {
    const { service, events, received } = setUp(async () => {
      await tick();
      return [person];
    });
    const image = new Uint8Array([1, 2, 3, 4]);
    const answer = await service.compare(image, {});
    expect(events).toEqual(['start yolov5s', 'end yolov5s', 'start yolov5m', 'end yolov5m', 'start yolov5l', 'end yolov5l']);
    expect(answer.execution).toBe('sequential');
    // Each model's runner thread gets the bytes handed over (transferred): every model needs its own copy.
    expect(new Set(received.map((copy) => copy.buffer)).size).toBe(3);
    received.forEach((copy) => {
      expect(copy.buffer).not.toBe(image.buffer);
      expect([...copy]).toEqual([1, 2, 3, 4]);
    });
  });

  it('runs the requested models once each, in order, and rejects an unknown name before running any', async () => {
    const { service, events } = setUp(async () => []);
    const answer = await service.compare(new Uint8Array([1]), { models: ['yolov5l', 'yolov5s', 'yolov5l'] });
    expect(answer.results.map((result) => result.model)).toEqual(['yolov5l', 'yolov5s']);
    events.length = 0;
    await expect(service.compare(new Uint8Array([1]), { models: ['yolov5s', 'yolov9'] })).rejects.toBeInstanceOf(UnknownModelError);
    expect(events).toEqual([]);
  });

  it('lists unavailable models under skipped and compares the rest', async () => {
    const { service } = setUp(async (model) => {
      if (model === 'yolov5m') throw new ModelUnavailableError(model, 'Model yolov5m is not installed: run `npm run models:fetch`.');
      return model === 'yolov5s' ? [person] : [person, { ...person, x_min: 300, x_max: 400, class_name: 'dog' }];
    });
    const answer = await service.compare(new Uint8Array([1]), { agreement_iou_threshold: 0.6 });
    expect(answer.skipped).toEqual([{ model: 'yolov5m', status: 503, detail: 'Model yolov5m is not installed: run `npm run models:fetch`.' }]);
    expect(answer.agreement).toEqual({
      iou_threshold: 0.6,
      pairs: [
        {
          model_a: 'yolov5s',
          model_b: 'yolov5l',
          boxes_a: 1,
          boxes_b: 2,
          matched: 1,
          matched_share_of_a: 1,
          matched_share_of_b: 0.5,
          f1: 0.667,
          mean_iou: 1,
          matches: [{ a: 0, b: 0, iou: 1 }],
        },
      ],
    });
  });

  it('skips a model whose queue is full, with its 503', async () => {
    const { service } = setUp(async (model) => {
      if (model === 'yolov5l') throw new RequestRefusedError('queue_full', 'Model yolov5l is at capacity.', 2);
      return [person];
    });
    const answer = await service.compare(new Uint8Array([1]), {});
    expect(answer.skipped).toEqual([{ model: 'yolov5l', status: 503, detail: 'Model yolov5l is at capacity.' }]);
    expect(answer.results.map((result) => result.model)).toEqual(['yolov5s', 'yolov5m']);
  });

  it('fails the whole request on an image error (it concerns every model) and with 503 when no model could run', async () => {
    const broken = setUp(async () => {
      throw new ImageError('unsupported-format', 'WEBP images are not supported.');
    });
    await expect(broken.service.compare(new Uint8Array([1]), {})).rejects.toBeInstanceOf(ImageError);
    expect(broken.events).toEqual(['start yolov5s', 'end yolov5s']);

    const missing = setUp(async (model) => {
      if (model === 'yolov5m') throw new ModelUnavailableError(model, 'Model yolov5m is being downloaded.', 10, 'is being downloaded');
      if (model === 'yolov5l') throw new RequestRefusedError('queue_full', 'Model yolov5l is at capacity.', 2);
      throw new ModelUnavailableError(model, `Model ${model} is not installed.`, undefined, 'is not installed');
    });
    const failure = (await missing.service.compare(new Uint8Array([1]), {}).catch((error: unknown) => error)) as ModelUnavailableError;
    expect(failure).toBeInstanceOf(ModelUnavailableError);
    // One sentence listing each model's reason, and the soonest Retry-After among them (the filter sends it).
    expect(failure.message).toBe(
      'None of the requested models could run: yolov5s is not installed, yolov5m is being downloaded, yolov5l is at capacity. GET /models/{name} tells each model\'s state.',
    );
    expect(failure.retryAfterSeconds).toBe(2);
  });
});
