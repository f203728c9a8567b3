import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

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

  /**
   * The project's package.json, .npmrc and require-node.js without its dependencies (nothing to download), in the
   * scratch folder: `npm ci` there runs the same checks and the same preinstall as in the checkout.
   */
  function projectWithoutDependencies(): string {
    const dir = join(REPO_ROOT, 'artifacts/npm-ci-node-check');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'scripts'), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const { name, version, engines } = manifest;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, dependencies: {}, devDependencies: {} }));
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name, version, lockfileVersion: 3, requires: true, packages: { '': { name, version, engines } } }));
    copyFileSync(join(REPO_ROOT, '.npmrc'), join(dir, '.npmrc'));
    copyFileSync(SCRIPT, join(dir, 'scripts/require-node.js'));
    return dir;
  }

  /** `npm ci` with `node` (and the npm beside it, or the first on PATH) first on PATH. */
  function npmCi(node: string) {
    const dir = projectWithoutDependencies();
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: [dirname(node), process.env.PATH].join(delimiter) };
    for (const key of Object.keys(env)) if (key.toLowerCase().startsWith('npm_')) delete env[key];
    const run = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, env, encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    return run;
  }

  it('lets npm ci run on this Node', () => {
    const run = npmCi(process.execPath);
    expect(`${run.status} ${run.stderr}`).toBe('0 ');
  });

  (oldNode ? it : it.skip)(`stops npm ci on ${oldNode ?? 'an older Node'} with that one line, without EBADENGINE warnings first`, () => {
    const run = npmCi(oldNode!);
    expect(run.status).not.toBe(0);
    const output = run.stdout + run.stderr;
    expect(output).not.toMatch(/EBADENGINE|npm warn/);
    expect(output).toMatch(/^yolov5-detector needs Node.js 24 or newer, this is Node.js v\d+\.\d+\.\d+: .*$/m);
  });
});
