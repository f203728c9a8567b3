import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');
const read = (document: string) => readFileSync(join(REPO_ROOT, document), 'utf8');

/** The cells of each row of the first Markdown table below the heading that starts with `heading` (header and rule rows left out). */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const from = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '').startsWith(heading));
  if (from === -1) throw new Error(`no heading "${heading}" in the document`);
  lines.splice(0, from);
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows = lines.slice(first, first + lines.slice(first).findIndex((line) => !line.startsWith('|')));
  return rows.slice(2).map((row) => row.slice(1, -1).split('|').map((cell) => cell.trim()));
}

interface BenchFigures {
  requestsPerSecond: string;
  cpuMsPerRequest: string;
}

/**
 * The side-by-side table `npm run bench` writes into docs/benchmarks.md (bus.jpg as JSON, 4 clients, the exports a
 * default install serves), by model name ("yolov5s"), and its YOLOv8 / YOLOv5 GFLOPs ratio by size.
 */
function benchSideBySide() {
  const rows = tableAfter(read('docs/benchmarks.md'), 'YOLOv5 and YOLOv8 side by side');
  const figures = new Map<string, BenchFigures>();
  const gflopsRatio = new Map<string, string>();
  for (const [size, model, , , , gflops, , , requestsPerSecond, cpuMsPerRequest] of rows) {
    if (model.startsWith('_')) gflopsRatio.set(size, gflops);
    else figures.set(model.split(' ')[0], { requestsPerSecond, cpuMsPerRequest });
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
    const row = (label: string) => readme.find(([first]) => first.startsWith(label))?.slice(1);
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
    expect(sizing.map(([model]) => model)).toEqual(SIZES.map((size) => `yolov5${size}`));
    for (const [model, requestsPerSecond, needs] of sizing) {
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
