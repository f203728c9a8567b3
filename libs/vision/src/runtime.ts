/** ONNX Runtime (native): sessions and the per-image pipeline. Import only in the threads that run models. */
export * from './yolo-session';
export * from './yolo-detector';
