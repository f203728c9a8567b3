// Jest runs each spec in its own V8 realm, but native addons (onnxruntime-node) create typed arrays in Node's main
// realm, so `instanceof Float32Array` checks inside the sandbox fail (microsoft/onnxruntime#16622). This environment
// hands the sandbox the main realm's typed-array constructors.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Float16Array', 'ArrayBuffer',
];

class NodeRealmEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) if (name in globalThis) this.global[name] = globalThis[name];
  }
}

module.exports = NodeRealmEnvironment;
