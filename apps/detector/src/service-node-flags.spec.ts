import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT, SERVICE_ENTRY } from '../test/support/paths';
import { SERVICE_NODE_FLAGS } from './service-node-flags';

const ENTRY = relative(REPO_ROOT, SERVICE_ENTRY);

describe('SERVICE_NODE_FLAGS', () => {
  it('are what `npm start` runs the service with', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(['node', ...SERVICE_NODE_FLAGS, ENTRY].join(' '));
  });

  it("are what the Docker image's CMD runs the service with", () => {
    const cmd = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').match(/^CMD (\[.*\])$/m);
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1])).toEqual(['node', ...SERVICE_NODE_FLAGS, ENTRY]);
  });
});
