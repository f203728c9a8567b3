import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { int8CpuFeatures } from '@app/quantize';
import { CatalogService } from '../catalog/catalog.service';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { Int8TwinsService } from './int8-twins.service';

const REAL_YOLOV5N = resolve(__dirname, '../../../../../shared/models/yolov5n.onnx');
const WITHOUT_VNNI = int8CpuFeatures('flags\t: fpu avx2 fma avx512f\n');
const WITH_VNNI = int8CpuFeatures('flags\t: avx2 avx512f avx512_vnni\n');

/** The real catalog on a folder holding the real yolov5n, and the twins service on it with the given CPU. */
function startOn(dir: string, env: Record<string, string>, cpu = WITHOUT_VNNI) {
  process.env = { MODELS_DIR: dir, MODELS_AUTO_FETCH: 'false', MODELS_LOADING: 'lazy', ...env };
  const config = detectorConfig() as DetectorConfig;
  const catalog = new CatalogService(config);
  const twins = new Int8TwinsService(config, cpu, catalog);
  catalog.onApplicationBootstrap();
  twins.onApplicationBootstrap();
  return { catalog, twins };
}

describe('Int8TwinsService', () => {
  const saved = process.env;
  let dir: string;
  let logged: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'int8-twins-'));
    logged = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void logged.push(String(message)));
  });
  afterEach(() => {
    process.env = saved;
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes no twin on a CPU without VNNI, and says why in the log', async () => {
    symlinkSync(REAL_YOLOV5N, join(dir, 'yolov5n.onnx'));
    const { catalog } = startOn(dir, { MODELS_INT8: 'auto' });
    await catalog.startedUp;
    catalog.onApplicationShutdown();
    expect(logged).toContain(
      'MODELS_INT8=auto: no INT8 twins made: this CPU has no VNNI (AVX-512 VNNI or AVX-VNNI; it has avx2, avx512f), without which INT8 is no faster than FP32',
    );
    expect(catalog.get('yolov5n')?.status).toBe('not-loaded');
    expect(readdirSync(dir)).toEqual(['yolov5n.onnx']);
  });

  it('does nothing with MODELS_INT8 off, whatever the CPU', async () => {
    symlinkSync(REAL_YOLOV5N, join(dir, 'yolov5n.onnx'));
    const { catalog } = startOn(dir, {}, WITH_VNNI);
    await catalog.startedUp;
    catalog.onApplicationShutdown();
    expect(logged.filter((line) => line.includes('INT8'))).toEqual([]);
    expect(readdirSync(dir)).toEqual(['yolov5n.onnx']);
  });

  it('says so when the catalog holds no float model (the defaults missing, not fetched)', async () => {
    const { catalog } = startOn(dir, { MODELS_INT8: 'auto' }, WITH_VNNI);
    await catalog.startedUp;
    await new Promise((resolve) => setImmediate(resolve));
    catalog.onApplicationShutdown();
    expect(logged).toContain('MODELS_INT8=auto: no float model to make an INT8 twin of');
    expect(readdirSync(dir)).toEqual([]);
  });
});
