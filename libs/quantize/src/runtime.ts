/** Calibration and quantization of model files (loads ONNX Runtime, native): import only where models are made. */
export * from './calibrate';
export * from './quantize-file';
export * from './make-twins';
