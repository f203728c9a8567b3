export * from './coco-names';
export * from './onnx-metadata';
export * from './model-contract';
export * from './yolo-session';
