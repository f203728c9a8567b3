import { env as onnxRuntime, InferenceSession } from 'onnxruntime-node';
import { checkModelContract, ModelContract } from './model-contract';
import { interpretYoloMetadata, readOnnxMetadata, YoloMetadata } from './onnx-metadata';

export interface LoadedYoloModel {
  session: InferenceSession;
  contract: ModelContract;
  metadata: YoloMetadata;
}

/**
 * ONNX Runtime options of the detector's sessions, chosen by measurement (`npm run bench -- --tune`; yolov5s and
 * yolov5m at 640x640 on 2 cores, see the README's Benchmarks): all graph optimisations (the NCHWc layout and fusions
 * of 'all' make runs 1.4-1.6x faster than 'extended' or 'basic'), the CPU memory arena on (6-19% slower without),
 * memory patterns off (as fast, measured interleaved on s/m/l at two shapes: 0.98-1.03x; with them each new input
 * shape plans one more block, and s/m/l took 60-130 MB more after requests of a few shapes, 130 MB more at peak),
 * one inter-op thread (the YOLO graph is a chain), and intra-op threads that block instead of spinning
 * when idle: spinning made a lone bare run 3-6% faster and sequential requests no faster end to end, but with two
 * workers running at once on two cores the spinning threads took the cores the other run and the decoding needed:
 * 4-client throughput fell by a third (yolov5s, 14.9 → 9.9 requests/s).
 */
export function detectorSessionOptions(intraOpThreads: number): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: false,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/**
 * Opens an ONNX file as a YOLOv5 detector: reads the export metadata, creates the session and checks the
 * input/output contract. Throws an error naming the file and the mismatch; releases the session on failure.
 */
export async function loadYoloModel(file: string, options: InferenceSession.SessionOptions = {}): Promise<LoadedYoloModel> {
  const metadata = interpretYoloMetadata(await readOnnxMetadata(file));
  let session: InferenceSession;
  // Read when the process's first session is created: ONNX Runtime's own logger writes plain lines (warnings,
  // telemetry) to stderr, which would break a JSON log; what fails is thrown, and its callers report it.
  onnxRuntime.logLevel = 'fatal';
  try {
    session = await InferenceSession.create(file, options);
  } catch (error) {
    throw new Error(`${file} could not be loaded by ONNX Runtime: ${(error as Error).message}`);
  }
  try {
    const contract = checkModelContract(file, session.inputMetadata, session.outputMetadata, metadata.names, metadata.namesFromFile);
    return { session, contract, metadata };
  } catch (error) {
    await session.release();
    throw error;
  }
}
