import { setTimeout as sleep } from 'node:timers/promises';
import { BenchClient, closedLoopLoad, PreparedRequest } from './http-load';
import { summarize, Summary } from './stats';

export interface HeadOfLineResult {
  burstModel: string;
  probeModel: string;
  burstClients: number;
  /** The probe model's sequential latency with the service otherwise idle. */
  alone: Summary;
  /** The same while `burstClients` clients keep the burst model's queue full. */
  duringBurst: Summary;
  /** What the burst's own requests waited and took: what the probe would wait behind one shared FIFO. */
  burstLatency: Summary;
}

/**
 * The head-of-line figure: latency of sequential `probe` requests (yolov5s) alone and during a closed-loop burst of
 * `burst` requests (yolov5l), in alternating blocks of one run. With one queue per model the probe shares the cores
 * with the burst but never waits in its queue.
 */
export async function measureHeadOfLine(
  client: BenchClient,
  requests: { probe: PreparedRequest; burst: PreparedRequest; probeModel: string; burstModel: string },
  options: { blocks: number; probesPerBlock: number; burstClients: number },
): Promise<HeadOfLineResult> {
  const alone: number[] = [];
  const duringBurst: number[] = [];
  const burstLatency: number[] = [];
  const probeSequence = async (into: number[]) => {
    for (let i = 0; i < options.probesPerBlock; i++) into.push((await client.expectOk(requests.probe)).ms);
  };
  for (let block = 0; block < options.blocks; block++) {
    await sleep(200);
    await probeSequence(alone);
    let probing = true;
    const burst = (async () => {
      const latencies: number[] = [];
      while (probing) latencies.push(...(await closedLoopLoad(client, requests.burst, options.burstClients, 500)).latenciesMs);
      return latencies;
    })();
    await sleep(1_000); // the burst's queue fills
    await probeSequence(duringBurst);
    probing = false;
    burstLatency.push(...(await burst));
  }
  return {
    burstModel: requests.burstModel,
    probeModel: requests.probeModel,
    burstClients: options.burstClients,
    alone: summarize(alone),
    duringBurst: summarize(duringBurst),
    burstLatency: summarize(burstLatency),
  };
}
