import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { corpusFile, E2E_TMP, REPO_ROOT, SHARED_MODELS_DIR, STATIC_MODELS_DIR } from './support/paths';
import { RunningService, startService } from './support/service';

/** The README and every document under docs/, by their path in the repository. */
const DOCUMENTS = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];
const read = (document: string) => readFileSync(join(REPO_ROOT, document), 'utf8');

/** A document's shell commands that call the running service: each `sh` block split into commands (continued lines joined). */
function serviceCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  const commands = blocks.flatMap((block) => block.replace(/(\\|\||,)\n\s*/g, (_, joint: string) => (joint === '\\' ? '' : `${joint} `)).split('\n'));
  const callsService = (command: string) => /http:\/\/localhost:8000\/(predict|v2\/models)/.test(command);
  return commands.map((command) => command.replace(/\s+#.*$/, '').trim()).filter((command) => callsService(command) || command.startsWith('base64 '));
}

/** Routes a document's route table lists: `METHOD /path` cells, a path without a method taking the one before it. */
function documentedRoutes(markdown: string): Set<string> {
  const routes = new Set<string>();
  for (const [, firstCell] of markdown.matchAll(/^\| (`(?:GET|POST|PUT|DELETE|PATCH) \/[^|]*) \|/gm)) {
    let method = '';
    for (const [, code] of firstCell.matchAll(/`([^`]+)`/g)) {
      const route = /^(?:(GET|POST|PUT|DELETE|PATCH) )?(\/\S*)$/.exec(code);
      if (!route) continue;
      method = route[1] ?? method;
      routes.add(`${method} ${route[2]}`);
    }
  }
  return routes;
}

/** Routes the OpenAPI document cannot describe: Swagger UI itself, the web page and the WebSocket. */
const OUTSIDE_OPENAPI = ['GET /docs', 'GET /ui', 'GET /stream'];

/**
 * The docs' request examples, run as pasted (bash, with bus.jpg and zidane.jpg in the current folder) against the
 * service serving yolov5n, as the quick start installs it, beside the fixture models: every /predict example answers
 * detections, every annotated image is an image. They must work for a photo of any size, so a 1.5 MB phone photo
 * plays bus.jpg: 2 MB of base64, where one command-line argument may hold 128 kB.
 */
describe('the README and docs examples', () => {
  let service: RunningService;
  const dir = join(E2E_TMP, 'readme-examples');
  const modelsDir = join(dir, 'models');
  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(modelsDir, { recursive: true });
    for (const file of readdirSync(STATIC_MODELS_DIR)) symlinkSync(join(STATIC_MODELS_DIR, file), join(modelsDir, file));
    symlinkSync(join(SHARED_MODELS_DIR, 'yolov5n.onnx'), join(modelsDir, 'yolov5n.onnx'));
    copyFileSync(corpusFile('photos/phone_size_4032x2688.jpg'), join(dir, 'bus.jpg'));
    copyFileSync(corpusFile('photos/zidane.jpg'), join(dir, 'zidane.jpg'));
    service = await startService({ env: { MODELS_DIR: modelsDir } });
  });
  afterAll(() => service.stop());

  const commands = DOCUMENTS.flatMap((document) => serviceCommands(read(document)).map((command) => [document, command]));
  const all = commands.map(([, command]) => command);

  it('finds the examples of /predict, /predict/compare and /predict/annotated, JSON and multipart, and the quick start', () => {
    expect(all.filter((command) => command.includes('/predict -')).length).toBeGreaterThanOrEqual(3);
    expect(all.filter((command) => command.includes('/predict/compare')).length).toBeGreaterThanOrEqual(3);
    expect(all.filter((command) => command.includes('/predict/annotated')).length).toBeGreaterThanOrEqual(2);
    expect(all.filter((command) => command.includes('application/json')).length).toBeGreaterThanOrEqual(3);
    expect(commands.filter(([document]) => document === 'README.md').length).toBeGreaterThanOrEqual(1);
  });

  it.each(commands)('%s: %s', (_, command) => {
    const run = spawnSync('bash', ['-o', 'pipefail', '-c', command.replaceAll('http://localhost:8000', service.url)], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect([run.status, run.stderr]).toEqual([0, '']);
    const output = / -o (\S+)/.exec(command)?.[1];
    if (output) {
      const bytes = readFileSync(join(dir, output));
      expect(bytes.subarray(0, 4).toString('hex')).toMatch(output.endsWith('.png') ? /^89504e47$/ : /^ffd8ff/);
    } else if (command.includes('curl -s -i ')) {
      expect(run.stdout).toMatch(/^HTTP\/1\.1 200 /);
    } else if (command.includes('curl')) {
      const answer = JSON.parse(run.stdout);
      expect(answer.statusCode).toBeUndefined();
      expect(answer.detections ?? answer.results ?? answer.outputs).toBeInstanceOf(Array);
    }
  });

  it.each(['README.md', 'docs/api.md'])("%s's route table lists exactly the service's routes (its OpenAPI document, and the three it cannot describe)", async (document) => {
    const openApi = (await (await fetch(`${service.url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(openApi.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const expected = [...served, ...OUTSIDE_OPENAPI].sort();
    expect([...documentedRoutes(read(document))].sort()).toEqual(expected);
  });
});
