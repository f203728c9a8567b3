export * from './onnx-proto';
export * from './graph-builder';
export * from './model-file';
export * from './names-metadata';
export * from './fixture-models';
export * from './seeded-random';
export * from './yolov5-architecture';
export * from './yolov5-onnx';
