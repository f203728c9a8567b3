// Jest's moduleNameMapper does not apply to globalSetup: resolve the @app/* aliases from tsconfig.json here.
import 'tsconfig-paths/register';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { DYNAMIC_MODELS_DIR, E2E_TMP, REPO_ROOT, STATIC_MODELS_DIR } from './paths';
import { writeFixtureModels } from './fixture-models';

/** Once per e2e run: build the service as `npm start` does and write the fixture models. */
export default function globalSetup() {
  execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build', 'detector'], { cwd: REPO_ROOT, stdio: 'inherit' });
  rmSync(E2E_TMP, { recursive: true, force: true });
  writeFixtureModels(STATIC_MODELS_DIR, 'static');
  writeFixtureModels(DYNAMIC_MODELS_DIR, 'dynamic');
}
