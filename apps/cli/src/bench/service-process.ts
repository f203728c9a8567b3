import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_ENTRY } from '../../../detector/test/support/paths';

/** Loading and warming up the real yolov5s/m/l architectures in every worker takes a while on 2 cores. */
export const SERVICE_START_TIMEOUT_MS = 180_000;

/**
 * Builds the service as `npm run build` does and snapshots the build into `into` (with a link to node_modules), so
 * that a colleague rebuilding dist/ in the shared tree meanwhile cannot pull files from under the running service.
 */
export function buildServiceSnapshot(repoRoot: string, into: string): string {
  execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build', 'detector'], { cwd: repoRoot, stdio: 'inherit' });
  mkdirSync(into, { recursive: true });
  cpSync(join(repoRoot, 'dist'), join(into, 'dist'), { recursive: true });
  if (!existsSync(join(into, 'node_modules'))) symlinkSync(join(repoRoot, 'node_modules'), join(into, 'node_modules'), 'dir');
  return join(into, BUILT_ENTRY);
}
