/**
 * One model load at a time across the process's runner threads: a static export's in-memory rewrite holds its encoded
 * graph (about its file's size) beside ONNX Runtime's own copies while the session is built, and several of those at
 * once would stack up in the start-up peak.
 */
export const LOAD_TURN = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

const FREE = 0;
/** Atomics.waitAsync (ES2024; Node has it since 16): the lib this project compiles against does not declare it yet. */
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
const TAKEN = 1;

/**
 * Runs `load` once no other thread sharing `turn` is loading (waiting without blocking this thread's event loop). A
 * turn held longer than `maxWaitMs` (a stuck load) is not waited for beyond that: the load goes ahead anyway.
 */
export async function inLoadTurn<T>(turn: Int32Array, load: () => Promise<T>, maxWaitMs = 120_000): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  let taken = false;
  while (!(taken = Atomics.compareExchange(turn, 0, FREE, TAKEN) === FREE) && Date.now() < deadline) {
    const wait = waitAsync(turn, 0, TAKEN, Math.max(1, deadline - Date.now()));
    if (wait.async) await wait.value;
  }
  try {
    return await load();
  } finally {
    if (taken) {
      Atomics.store(turn, 0, FREE);
      Atomics.notify(turn, 0);
    }
  }
}
