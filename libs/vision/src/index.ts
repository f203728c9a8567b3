/**
 * The pure part of the library: model files (metadata, contract), geometry, output decoding, NMS, agreement,
 * image headers, colours and the shapes of a detection. Importing it loads no native module and no framework;
 * ONNX Runtime lives behind '@app/vision/runtime', sharp and jimp behind '@app/vision/imaging'.
 */
export * from './coco-names';
export * from './onnx-metadata';
export * from './onnx-signature';
export * from './model-contract';
export * from './model-probe';
export * from './shape-policy';
export * from './detection';
export * from './timings';
export * from './letterbox';
export { LetterboxKernel, letterboxToTensor } from './letterbox-tensor';
export * from './yolo-output';
export * from './nms';
export * from './scale-boxes';
export * from './release-bytes';
export * from './image-format';
export * from './image-errors';
export * from './image-probe';
export * from './box-agreement';
export * from './class-colours';
export * from './annotation-format';
