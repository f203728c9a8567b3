import {
  COCO128_URL,
  createDownloadProgress,
  DEFAULT_MODEL_NAMES,
  DEFAULT_MODELS_BASE_URL,
  DEFAULT_MODELS_DIR,
  fetchMissingModels,
  formatFetchSummary,
  OFFICIAL_MODEL_NAMES,
  ULTRALYTICS_ASSETS_BASE_URL,
  ULTRALYTICS_CHECKPOINT_NAMES,
} from '@app/model-store';
import { DEFAULT_PERCENTILE, describeTwinEvent, hostInt8CpuFeatures, PhotoSplit, photosFailure, twinJobs, twinPhotos } from '@app/quantize';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCommandLineWithArguments, parseModelList, positiveIntegerOption, runCommand } from './command-line';

const DEFAULT_TWIN_PHOTOS = 32;
const DEFAULT_TWIN_CHECK_PHOTOS = 16;

const USAGE = `Usage: npm run models:fetch -- [options] [NAME ...]

Downloads official YOLOv5 v7.0 ONNX models into the models directory (files already there are kept).
NAME is one of ${OFFICIAL_MODEL_NAMES.join(', ')}; none given: the defaults ${DEFAULT_MODEL_NAMES.join(', ')}.
The running service serves a file as soon as it lands in its models directory.

Ultralytics publishes YOLOv8 and YOLO11 weights as PyTorch checkpoints only, no ONNX: NAME may also be one of
${ULTRALYTICS_CHECKPOINT_NAMES.join(', ')}, which downloads <NAME>.pt from
${ULTRALYTICS_ASSETS_BASE_URL} into the models directory. Export it there with
Ultralytics (pip install ultralytics): yolo export model=<dir>/<NAME>.pt format=onnx [dynamic=True] [nms=True]
writes <NAME>.onnx beside it, which the service then serves.

Options:
  --models LIST     comma-separated names (the same as NAME ...)
  --dir DIR         models directory (default: $MODELS_DIR or ${DEFAULT_MODELS_DIR})
  --base-url URL    where <name>.onnx (YOLOv5) is downloaded from (default: $MODELS_BASE_URL or
                    ${DEFAULT_MODELS_BASE_URL})
  --force           download again even when the file exists
  --int8            also make the INT8 twin (<name>-int8.onnx) of each fetched YOLOv5 model that has none, on a CPU
                    with VNNI (elsewhere INT8 is no faster: it says so and makes none); the service serves it beside
                    its float model. What MODELS_INT8=auto does at the service's start, in the foreground.
  --int8-photos DIR calibration photos (default: $MODELS_INT8_PHOTOS_DIR or <dir>/calibration-photos; a folder
                    without photos gets coco128 from $MODELS_INT8_PHOTOS_URL or ${COCO128_URL})
  --int8-count N    photos to calibrate on (default ${DEFAULT_TWIN_PHOTOS}), and --int8-check N more to measure the
                    twin's agreement with the float model on (default ${DEFAULT_TWIN_CHECK_PHOTOS})
  --help            show this text`;

const EXIT_INTERRUPTED = 130;

export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseCommandLineWithArguments(argv, {
    models: { type: 'string' },
    dir: { type: 'string' },
    'base-url': { type: 'string' },
    force: { type: 'boolean' },
    int8: { type: 'boolean' },
    'int8-photos': { type: 'string' },
    'int8-count': { type: 'string' },
    'int8-check': { type: 'string' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const listed = [values.models, ...positionals].filter(Boolean).join(',');
  const names = parseModelList(listed || undefined, [...OFFICIAL_MODEL_NAMES, ...ULTRALYTICS_CHECKPOINT_NAMES], DEFAULT_MODEL_NAMES);
  const modelsDir = values.dir || env.MODELS_DIR || DEFAULT_MODELS_DIR;
  const baseUrl = values['base-url'] || env.MODELS_BASE_URL || DEFAULT_MODELS_BASE_URL;

  // Ctrl-C aborts the download so its temporary file is removed instead of left behind.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const checkpoints = names.some((name) => ULTRALYTICS_CHECKPOINT_NAMES.includes(name)) ? ` (checkpoints from ${ULTRALYTICS_ASSETS_BASE_URL})` : '';
    console.error(`Fetching ${names.join(', ')} from ${baseUrl}${checkpoints} into ${resolve(modelsDir)}`);
    const outcomes = await fetchMissingModels({
      names,
      modelsDir,
      baseUrl,
      force: values.force,
      signal: interrupt.signal,
      createProgress: (name) => createDownloadProgress(name),
    });
    console.log(formatFetchSummary(outcomes));
    const fetchFailed = outcomes.some((outcome) => outcome.status === 'failed');
    if (!values.int8) return fetchFailed ? 1 : 0;
    const onnxModels = outcomes.filter((outcome) => outcome.status !== 'failed' && outcome.file.endsWith('.onnx')).map(({ name, file }) => ({ name, file }));
    const twinsMade = await makeTwins(onnxModels, {
      folder: resolve(values['int8-photos'] || env.MODELS_INT8_PHOTOS_DIR || join(modelsDir, 'calibration-photos')),
      url: env.MODELS_INT8_PHOTOS_URL || COCO128_URL,
      count: positiveIntegerOption('int8-count', values['int8-count'], DEFAULT_TWIN_PHOTOS),
      checkCount: values['int8-check'] === '0' ? 0 : positiveIntegerOption('int8-check', values['int8-check'], DEFAULT_TWIN_CHECK_PHOTOS),
      stopRequested: () => interrupt.signal.aborted,
    });
    if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
    return fetchFailed || !twinsMade ? 1 : 0;
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    console.error('Interrupted; the partial download was removed.');
    return EXIT_INTERRUPTED;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** The INT8 twins of the models, in this process; false when one could not be made. */
async function makeTwins(
  models: { name: string; file: string }[],
  options: { folder: string; url: string; count: number; checkCount: number; stopRequested: () => boolean },
): Promise<boolean> {
  const cpu = hostInt8CpuFeatures();
  if (!cpu.vnni) {
    console.error(`--int8: no INT8 twins made: ${cpu.summary}`);
    return true;
  }
  const jobs = twinJobs(models, existsSync);
  if (jobs.length === 0) {
    console.error('--int8: every fetched model has its INT8 twin');
    return true;
  }
  let photos: PhotoSplit;
  try {
    photos = await twinPhotos({ ...options, onDownload: (url) => console.error(`--int8: no calibration photos in ${options.folder}, downloading ${url}`) });
  } catch (error) {
    console.error(`--int8: no INT8 twins made: ${photosFailure(options.url, error)}. Put photos in ${options.folder} or give --int8-photos DIR.`);
    return false;
  }
  let failed = false;
  const { makeInt8Twins } = await import('@app/quantize/runtime'); // ONNX Runtime only when twins are made
  await makeInt8Twins({
    jobs,
    photos,
    percentile: DEFAULT_PERCENTILE,
    intraOpThreads: availableParallelism(),
    stopRequested: options.stopRequested,
    onEvent: (event) => {
      failed ||= event.type === 'failed';
      const line = describeTwinEvent(event);
      if (line) (event.type === 'written' ? console.log : console.error)(line);
    },
  });
  return !failed;
}

runCommand(module, main, USAGE);
