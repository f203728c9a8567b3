export * from './yolo-labels';
export * from './average-precision';
