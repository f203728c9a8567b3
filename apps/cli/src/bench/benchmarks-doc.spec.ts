import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCHMARKS_DOC, replaceRegion, RunFacts, writeBenchmarksRegion } from './benchmarks-doc';

const run: RunFacts = { date: '2026-12-07', machine: '2 cores, Test CPU, 8 GB, Node 24.0.0', command: 'npm run bench' };
const DOC = ['# Benchmarks', '', 'Intro.', '', '<!-- bench:service -->', 'old tables', '<!-- /bench:service -->', '', '## Later', '', '<!-- bench:int8 -->', 'int8 tables', '<!-- /bench:int8 -->', ''].join('\n');

describe('docs/benchmarks.md regions', () => {
  it("replaces only the named region, headed by the run's date, machine and command", () => {
    const written = replaceRegion(DOC, 'service', '## Benchmark 2026-12-07\n\n| a |\n| --- |\n| 1 |\n', run);
    expect(written).toContain('_Written by `npm run bench` on 2026-12-07: 2 cores, Test CPU, 8 GB, Node 24.0.0._');
    expect(written).toContain('| a |\n| --- |\n| 1 |\n<!-- /bench:service -->');
    expect(written).not.toContain('old tables');
    expect(written).toContain('<!-- bench:int8 -->\nint8 tables\n<!-- /bench:int8 -->');
    expect(written.startsWith('# Benchmarks\n\nIntro.\n\n<!-- bench:service -->\n')).toBe(true);
    expect(written).toContain('<!-- /bench:service -->\n\n## Later\n');
  });

  it("puts the report's headings below the document's sections", () => {
    const written = replaceRegion(DOC, 'service', '## Benchmark 2026-12-07\n\n### Bare runs\n\ntext', run);
    expect(written).toContain('#### Benchmark 2026-12-07\n\n##### Bare runs\n');
    expect(written).not.toMatch(/^##? Benchmark 2026/m);
  });

  it('gives the same document when the same run is written twice', () => {
    const once = replaceRegion(DOC, 'int8', 'new', run);
    expect(replaceRegion(once, 'int8', 'new', run)).toBe(once);
  });

  it('adds a region the document lacks at its end instead of losing the run', () => {
    const written = replaceRegion(DOC, 'accuracy-yolov5x-640', 'mAP', run);
    expect(written.startsWith(DOC.trimEnd())).toBe(true);
    expect(written.endsWith('<!-- bench:accuracy-yolov5x-640 -->\n_Written by `npm run bench` on 2026-12-07: 2 cores, Test CPU, 8 GB, Node 24.0.0._\n\nmAP\n<!-- /bench:accuracy-yolov5x-640 -->\n')).toBe(true);
  });

  it('writes the region into the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'benchmarks-doc-'));
    try {
      const file = join(dir, 'benchmarks.md');
      writeFileSync(file, DOC);
      writeBenchmarksRegion('int8', 'speed-ups', run, file);
      expect(readFileSync(file, 'utf8')).toBe(replaceRegion(DOC, 'int8', 'speed-ups', run));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['service', 'streams', 'tune', 'int8', 'accuracy-yolov5n-dynamic-640'])('has the region %s that a bench command writes, once', (region) => {
    const doc = readFileSync(BENCHMARKS_DOC, 'utf8');
    expect(doc.split(`<!-- bench:${region} -->`).length - 1).toBe(1);
    expect(doc.indexOf(`<!-- /bench:${region} -->`)).toBeGreaterThan(doc.indexOf(`<!-- bench:${region} -->`));
  });
});
