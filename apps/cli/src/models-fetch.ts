import {
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
import { resolve } from 'node:path';
import { parseCommandLineWithArguments, parseModelList, runCommand } from './command-line';

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
  --help            show this text`;

const EXIT_INTERRUPTED = 130;

export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseCommandLineWithArguments(argv, {
    models: { type: 'string' },
    dir: { type: 'string' },
    'base-url': { type: 'string' },
    force: { type: 'boolean' },
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
    return outcomes.some((outcome) => outcome.status === 'failed') ? 1 : 0;
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    console.error('Interrupted; the partial download was removed.');
    return EXIT_INTERRUPTED;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

runCommand(module, main, USAGE);
