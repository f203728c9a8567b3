import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NODE_FLAGS } from './service-node-flags';

const REPO_ROOT = join(__dirname, '../../..');
const ENTRY = 'dist/apps/detector/apps/detector/src/main.js';

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
