import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startService } from '../../../detector/test/support/service';
import { BenchModel, servedFile } from './bench-lineup';
import { BenchClient, PreparedRequest } from './http-load';
import { SERVICE_START_TIMEOUT_MS } from './service-process';

/** Resident memory of a service that serves one model alone (whole process, worker threads included). */
export interface AloneMemory {
  rssReadyMB: number;
  /** After `warmRequests` sequential requests: the sessions' buffers for a real input are allocated. */
  rssWarmMB: number;
  peakRssMB: number;
  warmRequests: number;
}

/**
 * Starts a service whose models folder holds only this model (a symlink to its served export), sends it a few
 * requests and reads its memory, then stops it: the memory of one model, which a service serving several cannot
 * tell apart.
 */
export async function measureAloneMemory(scratch: string, entry: string, model: BenchModel, request: PreparedRequest, warmRequests = 5): Promise<AloneMemory> {
  const modelsDir = join(scratch, 'alone', model.name);
  mkdirSync(modelsDir, { recursive: true });
  symlinkSync(servedFile(model), join(modelsDir, `${model.name}.onnx`));
  const service = await startService({ entry, env: { MODELS_DIR: modelsDir }, timeoutMs: SERVICE_START_TIMEOUT_MS });
  const client = new BenchClient(service.url);
  try {
    const rssReadyMB = service.memory().rssBytes / 2 ** 20;
    for (let i = 0; i < warmRequests; i++) await client.expectOk(request);
    const { rssBytes, peakRssBytes } = service.memory();
    return { rssReadyMB, rssWarmMB: rssBytes / 2 ** 20, peakRssMB: peakRssBytes / 2 ** 20, warmRequests };
  } finally {
    client.close();
    await service.stop();
  }
}
