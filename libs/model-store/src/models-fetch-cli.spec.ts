import { makeFixedOutputModel } from '@app/onnx-writer';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliRun, runCli as runToolCli } from '../../../apps/cli/src/testing/run-cli';
import { ModelServer, startModelServer } from './testing/model-server';

const MODEL = makeFixedOutputModel({ rows: [], numRows: 2000 });

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runToolCli('models-fetch', args, { MODELS_DIR: '', MODELS_BASE_URL: '', ...env });
}

describe('npm run models:fetch', () => {
  jest.setTimeout(60_000);
  let server: ModelServer;
  let modelsDir: string;

  beforeAll(async () => {
    server = await startModelServer({
      good: { '*': { kind: 'file', bytes: MODEL } },
      mixed: { 'yolov5s.onnx': { kind: 'file', bytes: MODEL } },
    });
    modelsDir = await mkdtemp(join(tmpdir(), 'models-fetch-cli-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('downloads the chosen models from MODELS_BASE_URL into MODELS_DIR and exits 0', async () => {
    const run = await runCli(['--models', 'yolov5s,yolov5m'], { MODELS_DIR: modelsDir, MODELS_BASE_URL: `${server.origin}/good` });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`✓ yolov5s: downloaded, ${join(modelsDir, 'yolov5s.onnx')}`);
    expect(run.stdout).toContain('✓ yolov5m: downloaded');
    expect(run.stdout.trim().split('\n').at(-1)).toBe('2 of 2 models ready');
    // stderr is a pipe here, so progress comes as plain lines.
    expect(run.stderr).toMatch(/^yolov5s 100% \| /m);
    expect((await readdir(modelsDir)).sort()).toEqual(['yolov5m.onnx', 'yolov5s.onnx']);
    expect(Buffer.compare(await readFile(join(modelsDir, 'yolov5m.onnx')), MODEL)).toBe(0);
  });

  it('keeps present files, reports failures in the summary and exits 1', async () => {
    server.requests.length = 0;
    const run = await runCli(['--dir', modelsDir, '--base-url', `${server.origin}/mixed`]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✓ yolov5s: already present');
    expect(run.stdout).toContain('✓ yolov5m: already present');
    expect(run.stdout).toContain(`✗ yolov5l: Downloading yolov5l failed: ${server.origin}/mixed/yolov5l.onnx answered HTTP 404`);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('1 of 3 models failed');
    expect(server.requests).toEqual(['/mixed/yolov5l.onnx']);
    expect((await readdir(modelsDir)).sort()).toEqual(['yolov5m.onnx', 'yolov5s.onnx']);
  });

  it('takes names as plain arguments, any official size included (`npm run models:fetch yolov5n`)', async () => {
    const run = await runCli(['yolov5n', '--dir', modelsDir, '--base-url', `${server.origin}/good`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✓ yolov5n: downloaded');
    expect(run.stdout.trim().split('\n').at(-1)).toBe('1 of 1 models ready');
    await rm(join(modelsDir, 'yolov5n.onnx'));
  });

  it('rejects an unknown model name with exit code 2', async () => {
    const run = await runCli(['--models', 'yolov5s,yolov9', '--dir', modelsDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown model(s): yolov9; choose from yolov5n, yolov5s, yolov5m, yolov5l, yolov5x');
  });
});
