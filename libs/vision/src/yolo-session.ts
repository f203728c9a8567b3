import { InferenceSession } from 'onnxruntime-node';
import { checkModelContract, ModelContract } from './model-contract';
import { interpretYoloMetadata, readOnnxMetadata, YoloMetadata } from './onnx-metadata';

export interface LoadedYoloModel {
  session: InferenceSession;
  contract: ModelContract;
  metadata: YoloMetadata;
}

/**
 * ONNX Runtime options of the detector's sessions, each chosen by `npm run bench -- --tune` (docs/benchmarks.md,
 * "Session options"): all graph optimisations, the memory arena on, memory patterns off (each new input shape would
 * plan a block of its own), one inter-op thread (the YOLO graph is a chain), and intra-op threads that block when idle
 * so that they leave the cores to the other runs and the decoding.
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
 * Opens an ONNX file as a YOLO detector: reads the export metadata, creates the session and checks the
 * input/output contract. Throws an error naming the file and the mismatch; releases the session on failure.
 */
export async function loadYoloModel(file: string, options: InferenceSession.SessionOptions = {}): Promise<LoadedYoloModel> {
  const metadata = interpretYoloMetadata(await readOnnxMetadata(file));
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(file, options);
  } catch (error) {
    throw new Error(`${file} could not be loaded by ONNX Runtime: ${(error as Error).message}`);
  }
  try {
    const contract = checkModelContract(file, session.inputMetadata, session.outputMetadata, metadata);
    return { session, contract, metadata };
  } catch (error) {
    await session.release();
    throw error;
  }
}
