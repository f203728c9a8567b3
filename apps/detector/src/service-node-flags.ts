/**
 * The Node flags the service runs with: `npm start` and the Docker image's CMD pass them, the tests and the bench
 * start the service with them, and a unit test keeps those places in step with this list.
 *
 * `--max-semi-space-size=8` caps V8's young generation at 8 MB per semi-space. Under load V8 grows it to tens of
 * MB, since every JSON request passes about 2 MB of strings through the HTTP thread (the body's text, the base64
 * parsed from it), and each collection of that larger space then stops the thread for 5-10 ms. Capped, collections come more often and stop it for less; with 4
 * clients on 2 cores, interleaved, GET /health p99 went from 8.5-13.7 to 6.6-8.9 ms at the same throughput.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
