import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixedOutputModel } from '@app/onnx-writer';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { CatalogService } from './catalog.service';
import { eventually } from '../../test/support/helpers';

describe('CatalogService (the running catalog)', () => {
  const saved = process.env;
  afterEach(() => (process.env = saved));

  it('sees a file added and one removed within MODELS_POLL_MS, without a request asking for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-poll-'));
    process.env = { MODELS_DIR: dir, MODELS_AUTO_FETCH: 'false', MODELS_POLL_MS: '200', MODELS_LOADING: 'lazy' };
    const service = new CatalogService(detectorConfig() as DetectorConfig);
    service.onApplicationBootstrap();
    try {
      await eventually(() => service.names.length === 3, 1_000);
      writeFileSync(join(dir, 'added.onnx'), makeFixedOutputModel({ rows: [] }));
      // One poll period (200 ms) plus the scan itself; nothing else looks at the folder here.
      await eventually(() => service.get('added')?.status === 'not-loaded', 1_500);
      rmSync(join(dir, 'added.onnx'));
      await eventually(() => service.get('added') === undefined, 1_500);
    } finally {
      service.onApplicationShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
