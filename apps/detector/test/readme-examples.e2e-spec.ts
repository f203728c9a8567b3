import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { corpusFile, E2E_TMP, REPO_ROOT } from './support/paths';
import { RunningService, startService } from './support/service';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The README's shell commands that call the running service: each `sh` block split into commands (continued lines joined). */
function readmeServiceCommands(): string[] {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  const commands = blocks.flatMap((block) => block.replace(/(\\|\||,)\n\s*/g, (_, joint: string) => (joint === '\\' ? '' : `${joint} `)).split('\n'));
  const callsService = (command: string) => /http:\/\/localhost:8000\/(predict|v2\/models)/.test(command);
  return commands.map((command) => command.replace(/\s+#.*$/, '').trim()).filter((command) => callsService(command) || command.startsWith('base64 '));
}

/**
 * The README's request examples, run as pasted (bash, with bus.jpg and zidane.jpg in the current folder) against the
 * service: every /predict example answers detections, every annotated image is an image. They must work for a photo of
 * any size, so a 1.5 MB phone photo plays bus.jpg: 2 MB of base64, where one command-line argument may hold 128 kB
 * (the README's earlier `-d "...$(base64 -w0 bus.jpg)..."` failed with "Argument list too long").
 */
describe('the README examples', () => {
  let service: RunningService;
  const dir = join(E2E_TMP, 'readme-examples');
  beforeAll(async () => {
    service = await startService();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyFileSync(corpusFile('photos/phone_size_4032x2688.jpg'), join(dir, 'bus.jpg'));
    copyFileSync(corpusFile('photos/zidane.jpg'), join(dir, 'zidane.jpg'));
  });
  afterAll(() => service.stop());

  const commands = readmeServiceCommands();

  it('finds the examples of /predict, /predict/compare and /predict/annotated, JSON and multipart', () => {
    expect(commands.filter((command) => command.includes('/predict -')).length).toBeGreaterThanOrEqual(3);
    expect(commands.filter((command) => command.includes('/predict/compare')).length).toBeGreaterThanOrEqual(3);
    expect(commands.filter((command) => command.includes('/predict/annotated')).length).toBeGreaterThanOrEqual(2);
    expect(commands.filter((command) => command.includes('application/json')).length).toBeGreaterThanOrEqual(3);
  });

  it.each(commands.map((command) => [command]))('%s', (command) => {
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
});
