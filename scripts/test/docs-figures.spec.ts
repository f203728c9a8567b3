import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');
const read = (document: string) => readFileSync(join(REPO_ROOT, document), 'utf8');

/** The first Markdown table below the heading that starts with `heading`: its rows as cells by column header. */
function tableAfter(markdown: string, heading: string): Record<string, string>[] {
  const lines = markdown.split('\n').map((line) => line.trimEnd());
  const from = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '').startsWith(heading));
  if (from === -1) throw new Error(`no heading "${heading}" in the document`);
  const first = lines.findIndex((line, index) => index > from && line.startsWith('|'));
  if (first === -1) throw new Error(`no table below the heading "${heading}"`);
  const last = lines.findIndex((line, index) => index > first && !line.startsWith('|'));
  const [header, , ...rows] = lines.slice(first, last === -1 ? undefined : last).map((row) => row.slice(1, -1).split('|').map((cell) => cell.trim()));
  return rows.map((cells) => Object.fromEntries(header.map((name, column) => [name, cells[column]])));
}

/** The region `npm run bench` writes into docs/benchmarks.md. */
function benchServiceRegion(): string {
  const document = read('docs/benchmarks.md');
  const [from, to] = [document.indexOf('<!-- bench:service -->'), document.indexOf('<!-- /bench:service -->')];
  if (from === -1 || to < from) throw new Error('docs/benchmarks.md has no bench:service region');
  return document.slice(from, to);
}

interface BenchFigures {
  requestsPerSecond: string;
  cpuMsPerRequest: string;
}

/**
 * The side-by-side table `npm run bench` writes (bus.jpg as JSON, 4 clients, the exports a default install serves),
 * by model name ("yolov5s"), and its YOLOv8 / YOLOv5 GFLOPs ratio by size.
 */
function benchSideBySide() {
  const figures = new Map<string, BenchFigures>();
  const gflopsRatio = new Map<string, string>();
  for (const row of tableAfter(benchServiceRegion(), 'YOLOv5 and YOLOv8 side by side')) {
    if (row.model.startsWith('_')) gflopsRatio.set(row.size, row.GFLOPs);
    else figures.set(row.model.split(' ')[0], { requestsPerSecond: row['4 clients req/s'], cpuMsPerRequest: row['CPU ms / request'] });
  }
  return { figures, gflopsRatio };
}

const SIZES = ['n', 's', 'm', 'l'];

describe('figures the README and docs copy from the bench', () => {
  const { figures, gflopsRatio } = benchSideBySide();
  const of = (model: string) => {
    const found = figures.get(model);
    if (!found) throw new Error(`docs/benchmarks.md has no side-by-side row for ${model}`);
    return found;
  };

  it('the bench table has every YOLOv5 and YOLOv8 size', () => {
    expect([...figures.keys()].sort()).toEqual(['v5', 'v8'].flatMap((family) => SIZES.map((size) => `yolo${family}${size}`)).sort());
  });

  it("README's figures are the bench's (req/s to one decimal, CPU ms to the millisecond)", () => {
    const readme = tableAfter(read('README.md'), 'Figures');
    const row = (label: string) => {
      const found = readme.find((cells) => cells[''].startsWith(label));
      return found && SIZES.map((size) => found[size]);
    };
    for (const family of ['v5', 'v8']) {
      const expected = SIZES.map((size) => {
        const { requestsPerSecond, cpuMsPerRequest } = of(`yolo${family}${size}`);
        return `${Number(requestsPerSecond).toFixed(1)} · ${Math.round(Number(cpuMsPerRequest))}`;
      });
      expect(row(`YOLO${family}: req/s · CPU ms per request`)).toEqual(expected);
    }
    expect(row('YOLOv8 / YOLOv5 GFLOPs')).toEqual(SIZES.map((size) => gflopsRatio.get(size)));
  });

  it("deployment's sizing table is the bench's requests/s, with the replicas 100 requests/s need", () => {
    const deployment = read('docs/deployment.md');
    const sizing = tableAfter(deployment, 'How many replicas of which size');
    expect(sizing.map(({ model }) => model)).toEqual(SIZES.map((size) => `yolov5${size}`));
    for (const { model, 'requests/s per 2-vCPU replica': requestsPerSecond, '100 requests/s needs': needs } of sizing) {
      expect(requestsPerSecond).toBe(of(model).requestsPerSecond);
      const replicas = Math.ceil(100 / Number(requestsPerSecond));
      expect(needs).toBe(`${replicas} replicas + 1 spare = ${replicas + 1}`);
    }
    // The worked mix example below the table.
    const mix = /30 yolov5s \+ 6 yolov5l requests\/s need 30 \/ ([\d.]+) \+ 6 \/ ([\d.]+) = ([\d.]+),\s+so (\d+) replicas \+ 1 spare/.exec(deployment);
    expect(mix).not.toBeNull();
    const [, small, large, total, replicas] = mix!;
    expect([small, large]).toEqual([of('yolov5s').requestsPerSecond, of('yolov5l').requestsPerSecond]);
    const needed = 30 / Number(small) + 6 / Number(large);
    expect(total).toBe(needed.toFixed(1));
    expect(Number(replicas)).toBe(Math.ceil(needed));
  });
});
