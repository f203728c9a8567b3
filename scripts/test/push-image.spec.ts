import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// The tag-and-push logic CI runs (scripts/push-image.sh), in its --dry-run mode: no engine, no registry.
// scripts/test-docker.sh runs the same script for real against a local registry.
const REPO_ROOT = resolve(__dirname, '../..');
const SCRIPT = join(REPO_ROOT, 'scripts/push-image.sh');
const VERSION: string = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version;
const SHA = '0123456789abcdef0123456789abcdef01234567';

async function pushImage(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  try {
    const { stdout, stderr } = await promisify(execFile)('bash', [SCRIPT, '--dry-run', 'yolov5-detector:local'], {
      cwd: REPO_ROOT,
      env: { ...clean, REGISTRY_HOST: 'eu.gcr.io', GCP_PROJECT_ID: 'my-project', GIT_SHA: SHA, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const pushedRefs = (stdout: string) => [...stdout.matchAll(/^pushed (\S+)/gm)].map((match) => match[1]);

describe('scripts/push-image.sh', () => {
  it('pushes the package.json version and the git SHA to eu.gcr.io/PROJECT/IMAGE, without latest by default', async () => {
    const run = await pushImage({});
    expect(run.code).toBe(0);
    expect(pushedRefs(run.stdout)).toEqual([`eu.gcr.io/my-project/yolov5-detector:${VERSION}`, `eu.gcr.io/my-project/yolov5-detector:${SHA}`]);
    expect(run.stderr).toContain(`+ docker tag yolov5-detector:local eu.gcr.io/my-project/yolov5-detector:${VERSION}`);
    expect(run.stderr).toContain(`+ docker push --quiet eu.gcr.io/my-project/yolov5-detector:${SHA}`);
  });

  it('adds latest when PUSH_LATEST=true (CI on main)', async () => {
    const run = await pushImage({ PUSH_LATEST: 'true' });
    expect(run.code).toBe(0);
    expect(pushedRefs(run.stdout)).toEqual([
      `eu.gcr.io/my-project/yolov5-detector:${VERSION}`,
      `eu.gcr.io/my-project/yolov5-detector:${SHA}`,
      'eu.gcr.io/my-project/yolov5-detector:latest',
    ]);
  });

  it('targets Artifact Registry when REGISTRY_HOST and IMAGE_NAME say so', async () => {
    const run = await pushImage({ REGISTRY_HOST: 'europe-west1-docker.pkg.dev', IMAGE_NAME: 'containers/detector' });
    expect(run.code).toBe(0);
    expect(pushedRefs(run.stdout)[0]).toBe(`europe-west1-docker.pkg.dev/my-project/containers/detector:${VERSION}`);
  });

  it('accepts a release tag equal to v + the package.json version', async () => {
    const run = await pushImage({ RELEASE_TAG: `v${VERSION}` });
    expect(run.code).toBe(0);
  });

  it.each([
    [{ RELEASE_TAG: 'v999.0.0' }, `release tag v999.0.0 does not match package.json version ${VERSION}`],
    [{ GCP_PROJECT_ID: '' }, 'set GCP_PROJECT_ID'],
    [{ REGISTRY_HOST: '' }, 'set REGISTRY_HOST'],
    [{ GIT_SHA: 'main' }, "GIT_SHA 'main' is not a git commit hash"],
    [{ PUSH_LATEST: 'yes' }, "PUSH_LATEST must be true or false, got 'yes'"],
  ])('refuses %j with a clear message and pushes nothing', async (env, message) => {
    const run = await pushImage(env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
    expect(pushedRefs(run.stdout)).toEqual([]);
  });
});
