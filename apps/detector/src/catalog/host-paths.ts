/**
 * `message` with each model file of `modelsDir` followed by the same file in `hostDir`, the folder the container's
 * models folder is mounted from: a compose user reads `./models/yolov5s.onnx`, not only `/app/models/yolov5s.onnx`.
 */
export function withHostPaths(message: string, modelsDir: string, hostDir: string | undefined): string {
  if (!hostDir) return message;
  const dir = modelsDir.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const host = hostDir.replace(/\/+$/, '');
  return message.replace(new RegExp(`${dir}/([^/\\s]+?\\.onnx)`, 'g'), (path, file: string) => `${path} (${host}/${file} on the host)`);
}
