import { runInThisContext } from 'node:vm';

/**
 * Jest runs each spec in its own V8 realm, but onnxruntime-node's native binding creates output typed arrays in
 * Node's main realm, so onnxruntime-common's `instanceof Float32Array` check fails inside the sandbox
 * (microsoft/onnxruntime#16622). Import this module before onnxruntime-node in a spec: it makes the sandbox use
 * the main realm's typed-array constructors. A shared jest test environment doing the same would replace it.
 */
const mainRealm = runInThisContext('globalThis') as typeof globalThis;
const TYPED_ARRAYS = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Float16Array',
] as const;
for (const name of TYPED_ARRAYS) {
  if (name in mainRealm) Object.defineProperty(globalThis, name, { value: mainRealm[name as keyof typeof globalThis], writable: true, configurable: true });
}
