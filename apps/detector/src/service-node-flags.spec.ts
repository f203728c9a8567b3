import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_ENTRY, REPO_ROOT } from '../test/support/paths';
import { SERVICE_NODE_FLAGS } from './service-node-flags';

describe('SERVICE_NODE_FLAGS', () => {
  it('are what `npm start` runs the service with', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(['node', ...SERVICE_NODE_FLAGS, BUILT_ENTRY].join(' '));
  });

  it("are what the Docker image's CMD runs the service with", () => {
    const cmd = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').match(/^CMD (\[.*\])$/m);
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1])).toEqual(['node', ...SERVICE_NODE_FLAGS, BUILT_ENTRY]);
  });
});
