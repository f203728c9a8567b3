import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { capEcho } from '../common/client-echo';
import { decodeBase64Image } from '../detection/request-image';
import { SERVICE_NAME, SERVICE_VERSION } from '../service-info';
import { ShutdownService } from '../shutdown/shutdown.service';
import { Checked, DETECTION_OUTPUTS, detectionTensors, IMAGE_INPUT, imageInputOf, OUTPUT_NAMES, requestedOutputs } from './detection-tensors';
import { DetectorBackend } from './detector-backend';
import { InferenceRequestDto } from './dto/inference-request.dto';
import { InferenceResponseDto } from './dto/inference-response.dto';
import { ModelMetadataDto, ServerMetadataDto } from './dto/metadata.dto';

/** The Open Inference Protocol's "platform" of an ONNX model run by ONNX Runtime. */
const ONNX_PLATFORM = 'onnx_onnxv1';

const checked = <T>(result: Checked<T>): T => {
  if (!result.ok) throw new BadRequestException(result.problem);
  return result.value;
};

/** The Open Inference Protocol (KServe v2) over the service's detectors: metadata, health and inference. */
@Injectable()
export class OpenInferenceService {
  constructor(
    private readonly backend: DetectorBackend,
    private readonly shutdown: ShutdownService,
  ) {}

  serverMetadata(): ServerMetadataDto {
    return { name: SERVICE_NAME, version: SERVICE_VERSION, extensions: [] };
  }

  /** Ready as /health/ready is: the models can serve and the service is not shutting down. */
  isServerReady(): boolean {
    return this.backend.isReady() && !this.shutdown.isDraining;
  }

  isModelReady(name: string): boolean {
    this.requireModel(name);
    return this.backend.isModelReady(name) && !this.shutdown.isDraining;
  }

  modelMetadata(name: string): ModelMetadataDto {
    this.requireModel(name);
    return { name, platform: ONNX_PLATFORM, inputs: [{ ...IMAGE_INPUT }], outputs: OUTPUT_NAMES.map((output) => ({ ...DETECTION_OUTPUTS[output] })) };
  }

  async infer(name: string, request: InferenceRequestDto, signal: AbortSignal): Promise<InferenceResponseDto> {
    this.requireModel(name);
    const base64 = checked(imageInputOf(request.inputs));
    const outputs = checked(requestedOutputs(request.outputs));
    const image = decodeBase64Image(base64);
    const { detections, image: size, classNames, options } = await this.backend.detect(name, image, request.parameters ?? {}, signal);
    return {
      model_name: name,
      ...(request.id !== undefined && { id: request.id }),
      parameters: {
        confidence_threshold: options.confidenceThreshold,
        iou_threshold: options.iouThreshold,
        max_detections: options.maxDetections,
        ...(options.classes && { classes: options.classes.join(',') }),
        image_width: size.width,
        image_height: size.height,
      },
      outputs: detectionTensors(detections, classNames, outputs),
    };
  }

  /** Models are named in the path: an unknown one is a resource that does not exist (404). */
  private requireModel(name: string) {
    const names = this.backend.names();
    if (!names.includes(name)) throw new NotFoundException(`Unknown model "${capEcho(name)}". Available models: ${names.join(', ')}.`);
  }
}
