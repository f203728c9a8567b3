import { InferenceSession } from 'onnxruntime-node';
import { checkModelContract, ModelContract } from './model-contract';
import { interpretYoloMetadata, readOnnxMetadata, YoloMetadata } from './onnx-metadata';

export interface LoadedYoloModel {
  session: InferenceSession;
  contract: ModelContract;
  metadata: YoloMetadata;
}

/**
 * Opens an ONNX file as a YOLOv5 detector: reads the export metadata, creates the session and checks the
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
    const contract = checkModelContract(file, session.inputMetadata, session.outputMetadata, metadata.names);
    return { session, contract, metadata };
  } catch (error) {
    await session.release();
    throw error;
  }
}
