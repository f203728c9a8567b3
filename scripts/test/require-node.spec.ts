import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');
const SCRIPT = join(REPO_ROOT, 'scripts/require-node.js');
const { nodeVersionProblem } = require(SCRIPT) as { nodeVersionProblem: (version: string, range: string) => string | null };
const ENGINES: string = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).engines.node;

describe('scripts/require-node.js (before npm start and npm test)', () => {
  it("accepts package.json's engines and newer, and refuses older Node with one line saying how to get Node 24", () => {
    expect(ENGINES).toBe('>=24');
    expect(nodeVersionProblem('v24.0.0', ENGINES)).toBeNull();
    expect(nodeVersionProblem('v25.1.0', ENGINES)).toBeNull();
    const problem = nodeVersionProblem('v20.19.2', ENGINES)!;
    expect(problem).toBe(
      'yolov5-detector needs Node.js 24 or newer, this is Node.js v20.19.2: run `source scripts/use-node24.sh` ' +
        '(or `nvm install 24`, or install it from https://nodejs.org), then try again.',
    );
  });

  it('passes silently on this Node', () => {
    const run = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    expect([run.status, run.stdout, run.stderr]).toEqual([0, '', '']);
  });

  // The machine's own Node (20 on the team's machines); CI's runners may have none older than 24.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => existsSync(path) && Number(spawnSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) < 24);
  (oldNode ? it : it.skip)(`stops ${oldNode ?? 'an older Node'} with exit 1 and that one line`, () => {
    const run = spawnSync(oldNode!, [SCRIPT], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^yolov5-detector needs Node.js 24 or newer, this is Node.js v\d+\.\d+\.\d+: .*\n$/);
    expect(run.stderr.split('\n')).toHaveLength(2);
  });
});
