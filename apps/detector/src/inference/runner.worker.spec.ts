import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FIXTURE_ROWS, makeFixedOutputModel } from '@app/onnx-writer';
import { DEFAULT_DETECT_OPTIONS } from '@app/vision';
import type { DetectTask, DetectTaskResult, RunnerWorkerData } from './runner-protocol';

// The runner's module, loaded in this thread with the workerData a runner thread gets; its thread priorities are left alone.
jest.mock('./thread-priority', () => ({ lowerThisThreadPriority: jest.fn(), lowerBackgroundThreadsPriority: jest.fn() }));

const dir = mkdtempSync(join(tmpdir(), 'runner-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const zidane = readFileSync(resolve(__dirname, '../../../../../shared/corpus/photos/zidane.jpg'));

type Handler = (task: DetectTask) => Promise<DetectTaskResult>;

async function runnerFor(file: string): Promise<Handler> {
  const workerData: RunnerWorkerData = {
    name: 'm',
    file,
    version: '1',
    eager: false,
    inferenceSize: 640,
    intraOpThreads: 1,
    shapePolicy: 'rectangular',
    loadTurn: new Int32Array(new SharedArrayBuffer(4)),
  };
  let handler!: Promise<Handler>;
  jest.isolateModules(() => {
    jest.doMock('node:worker_threads', () => ({ ...jest.requireActual('node:worker_threads'), workerData, parentPort: { postMessage: jest.fn() } }));
    handler = require('./runner.worker').default;
  });
  return handler;
}

function taskOf(cancelled = false): DetectTask {
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  cancel[0] = cancelled ? 1 : 0;
  return { image: zidane.buffer.slice(zidane.byteOffset, zidane.byteOffset + zidane.byteLength), options: DEFAULT_DETECT_OPTIONS, cancel };
}

describe('the runner gives back the photo it was handed, however the task ends', () => {
  const modelFile = join(dir, 'model.onnx');
  beforeAll(() => writeFileSync(modelFile, makeFixedOutputModel({ rows: FIXTURE_ROWS.static })));

  it('answered, or cancelled while it waited', async () => {
    const run = await runnerFor(modelFile);
    const answered = taskOf();
    const result = await run(answered);
    expect(result.ok && result.outcome.detections.length).toBe(3);
    const cancelled = taskOf(true);
    expect(await run(cancelled)).toEqual({ ok: false, error: { kind: 'cancelled', stage: 'decode' } });
    expect([answered.image.byteLength, cancelled.image.byteLength]).toEqual([0, 0]);
  });

  it('when its model failed to load', async () => {
    const broken = join(dir, 'broken.onnx');
    writeFileSync(broken, 'not a model');
    const task = taskOf();
    expect(await runnerFor(broken).then((run) => run(task))).toMatchObject({ ok: false, error: { kind: 'model' } });
    expect(task.image.byteLength).toBe(0);
  });
});
