import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command-line tool (e.g. 'models-fetch') as its npm script does, minus npm itself, from the repository root. */
export function runCli(tool: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const command = [require.resolve('ts-node/dist/bin'), '--transpile-only', '-r', 'tsconfig-paths/register', `apps/cli/src/${tool}.ts`, ...args];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, command, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
