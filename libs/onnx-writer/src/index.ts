export * from './onnx-proto';
export * from './graph-builder';
export * from './model-file';
