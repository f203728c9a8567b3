import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../..');

/** The modules a fresh Node process has loaded after requiring `entry` (through ts-node, as the CLI tools run). */
function modulesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache)));`;
  const output = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1)!) as string[];
}

const HEAVY = /node_modules\/(onnxruntime-node|onnxruntime-common|sharp|jimp|@jimp|@nestjs|rxjs)\//;

describe('@app/vision entry points', () => {
  jest.setTimeout(60_000);

  it('the barrel loads no native module and no framework', () => {
    expect(modulesLoadedBy('@app/vision').filter((file) => HEAVY.test(file))).toEqual([]);
  });

  it('ONNX Runtime comes with @app/vision/runtime, sharp and jimp with @app/vision/imaging', () => {
    expect(modulesLoadedBy('@app/vision/runtime').some((file) => file.includes('node_modules/onnxruntime-node/'))).toBe(true);
    const imaging = modulesLoadedBy('@app/vision/imaging');
    expect(imaging.some((file) => file.includes('node_modules/sharp/'))).toBe(true);
    expect(imaging.some((file) => file.includes('node_modules/onnxruntime-node/'))).toBe(false);
  });

  it("the model store, which the service's HTTP thread imports, loads ONNX Runtime only to verify a download", () => {
    expect(modulesLoadedBy('@app/model-store').filter((file) => /node_modules\/(onnxruntime-node|sharp|jimp)\//.test(file))).toEqual([]);
  });
});
