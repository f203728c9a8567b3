import { env as onnxRuntime, InferenceSession } from 'onnxruntime-node';
import { checkModelContract, ModelContract } from './model-contract';
import { interpretYoloMetadata, readOnnxMetadata, YoloMetadata } from './onnx-metadata';
import { readOnnxSignature } from './onnx-signature';
import { releaseBytes } from './release-bytes';
import { prepareModelShape, ShapePolicy, ShapePolicyDecision } from './shape-policy';

export interface LoadedYoloModel {
  session: InferenceSession;
  contract: ModelContract;
  metadata: YoloMetadata;
  /** The input shape policy it runs with, and why. */
  shape: ShapePolicyDecision;
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
 * Opens an ONNX file as a YOLO detector: reads the export metadata, makes a static YOLOv5 export rectangular unless
 * `shapePolicy` pins it to its square (shape-policy.ts), creates the session and checks the input/output contract.
 * Throws an error naming the file and the mismatch; releases the session on failure.
 */
export async function loadYoloModel(file: string, options: InferenceSession.SessionOptions = {}, shapePolicy: ShapePolicy = 'rectangular'): Promise<LoadedYoloModel> {
  const metadata = interpretYoloMetadata(await readOnnxMetadata(file));
  // Read when the process's first session is created: ONNX Runtime's own logger writes plain lines (warnings,
  // telemetry) to stderr, which would break a JSON log; what fails is thrown, and its callers report it.
  onnxRuntime.logLevel = 'fatal';
  const { inputs } = await readOnnxSignature(file);
  const prepared = await prepareModelShape(file, inputs[0]?.shape ?? [], shapePolicy);
  let shape = prepared.shape;
  let session: InferenceSession | undefined;
  if (prepared.bytes) {
    try {
      session = await InferenceSession.create(prepared.bytes, options);
    } catch (error) {
      // The file itself may still load: it then runs at its own square.
      shape = { policy: 'fixed', reason: 'graph-not-recognised', detail: `ONNX Runtime refused the rewritten graph: ${(error as Error).message}` };
    } finally {
      // ONNX Runtime keeps its own copy.
      releaseBytes(prepared.bytes);
    }
  }
  try {
    session ??= await InferenceSession.create(file, options);
  } catch (error) {
    throw new Error(`${file} could not be loaded by ONNX Runtime: ${(error as Error).message}`);
  }
  try {
    const contract = checkModelContract(file, session.inputMetadata, session.outputMetadata, metadata);
    return { session, contract, metadata, shape };
  } catch (error) {
    await session.release();
    throw error;
  }
}
