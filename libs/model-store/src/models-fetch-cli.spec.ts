import { makeFixedOutputModel } from '@app/onnx-writer';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostInt8CpuFeatures } from '@app/quantize';
import { CliRun, runCli as runToolCli } from '../../../apps/cli/src/testing/run-cli';
import { ModelServer, startModelServer } from './testing/model-server';

const MODEL = makeFixedOutputModel({ rows: [], numRows: 2000 });
const REPO_ROOT = resolve(__dirname, '../../..');
const REAL_YOLOV5N = readFileSync(resolve(REPO_ROOT, '../shared/models/yolov5n.onnx'));
const COCO128_PHOTOS = resolve(REPO_ROOT, '../shared/datasets/coco128/images');

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
      real: { 'yolov5n.onnx': { kind: 'file', bytes: REAL_YOLOV5N } },
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

  describe('--int8', () => {
    const cpu = hostInt8CpuFeatures();
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'models-fetch-int8-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('also makes the INT8 twin of the fetched model (on a CPU with VNNI), with its agreement, and exits 0', async () => {
      const args = ['yolov5n', '--dir', dir, '--base-url', `${server.origin}/real`, '--int8', '--int8-photos', COCO128_PHOTOS, '--int8-count', '2', '--int8-check', '1'];
      const run = await runCli(args);
      expect(run.code).toBe(0);
      if (!cpu.vnni) {
        expect(run.stderr).toContain(`--int8: no INT8 twins made: ${cpu.summary}`);
        expect(await readdir(dir)).toEqual(['yolov5n.onnx']);
        return;
      }
      expect(run.stderr).toContain('INT8 twin 1/1: making yolov5n-int8.onnx from yolov5n, calibrating on 2 photos');
      expect(run.stderr).toContain('calibrated 2/2 photos');
      expect(run.stdout).toMatch(/INT8 twin yolov5n-int8\.onnx written \(.*\); agreement with yolov5n: F1 [\d.–]+, .* on 1 held-out photos/);
      expect((await readdir(dir)).sort()).toEqual(['yolov5n-int8.onnx', 'yolov5n.onnx']);

      const again = await runCli(args);
      expect(again.stderr).toContain('--int8: every fetched model has its INT8 twin');
    });

    it('says why when there are no calibration photos and the download fails, and exits 1', async () => {
      const noPhotos = join(dir, 'empty');
      const zipUrl = `${server.origin}/nowhere/coco128.zip`;
      await rm(join(dir, 'yolov5n-int8.onnx'), { force: true });
      const run = await runCli(['yolov5n', '--dir', dir, '--base-url', `${server.origin}/real`, '--int8', '--int8-photos', noPhotos], { MODELS_INT8_PHOTOS_URL: zipUrl });
      if (!cpu.vnni) return expect(run.code).toBe(0);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`--int8: no INT8 twins made: no calibration photos (${zipUrl} answered HTTP 404; offline?)`);
      expect(await readdir(dir)).toEqual(['yolov5n.onnx']);
    });
  });
});
