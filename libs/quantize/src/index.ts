export * from './activation-ranges';
export * from './calibration-outputs';
export * from './cpu-features';
export * from './opset-upgrade';
export * from './qdq-transform';
export * from './quantization-plan';
export * from './quantization-record';
