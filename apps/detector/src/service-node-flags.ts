/**
 * The Node flags the service runs with: `npm start` and the Docker image's CMD pass them, the tests and the bench
 * start the service with them, and a unit test keeps those places in step with this list.
 *
 * `--max-semi-space-size=8` keeps V8's young generation small, so that collecting the JSON bodies' strings stops the
 * HTTP thread often but briefly (docs/benchmarks.md, "Where the time goes"). `--expose-gc` lets a runner collect its
 * model load's garbage at once (runner.worker.ts): an idle runner thread would keep it until its next collection.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--expose-gc'];
