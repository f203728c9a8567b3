import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_TMP, REPO_ROOT, SERVICE_ENTRY, STATIC_MODELS_DIR } from '../support/paths';

/** Starts the built service with `env` and resolves with its exit code and output once it stops on its own. */
async function runUntilExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [SERVICE_ENTRY], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', MODELS_DIR: STATIC_MODELS_DIR, MODELS_AUTO_FETCH: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  return { code, output };
}

describe('configuration is validated at startup', () => {
  it('a bad PORT stops startup with a message naming the variable', async () => {
    const { code, output } = await runUntilExit({ PORT: 'abc' });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull(); // exited on its own, not killed by the test's timeout
    expect(output).toMatch(/"PORT" must be a number/);
    expect(output).not.toMatch(/^\s+at /m); // a message, not a stack trace
  });

  it('names every bad variable at once', async () => {
    const { code, output } = await runUntilExit({ QUEUE_DEPTH: '-1', LOG_LEVEL: 'loud', MAX_IMAGE_MEGAPIXELS: 'many', CORS_ORIGINS: 'not an origin', SHUTDOWN_GRACE_MS: '1.5' });
    expect(code).not.toBe(0);
    for (const variable of ['QUEUE_DEPTH', 'LOG_LEVEL', 'MAX_IMAGE_MEGAPIXELS', 'CORS_ORIGINS', 'SHUTDOWN_GRACE_MS']) expect(output).toContain(`"${variable}"`);
  });

  it('a bad models config (MODELS_CONFIG) stops startup with one line naming the file and every fault', async () => {
    mkdirSync(E2E_TMP, { recursive: true });
    const file = join(E2E_TMP, 'bad-models.json');
    writeFileSync(file, JSON.stringify({ models: { fast: { file: 'yolov5s.onnx', replicas: 0 }, 'bad name': {} } }));
    const { code, output } = await runUntilExit({ MODELS_CONFIG: file });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toContain(`Startup failed: Config validation error: MODELS_CONFIG (${file}): `);
    expect(output).toMatch(/"models\.fast\.replicas" must be greater than or equal to 1/);
    expect(output).toMatch(/"models\.bad name" is not allowed/);
    expect(output).not.toMatch(/^\s+at /m);
  });
});
