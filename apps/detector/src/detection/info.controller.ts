import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { DEFAULT_MODEL_NAMES } from '@app/model-store';
import { hostInt8CpuFeatures, int8SpeedNotice } from '@app/quantize';
import { CatalogService } from '../catalog/catalog.service';
import { UnknownModelError } from '../catalog/model-errors';
import { canServe, isLoaded, isMissing } from '../catalog/model-state';
import type { ModelDescription } from '../catalog/model-catalog';
import { notInstalledHint } from '../inference/inference.service';
import { ErrorResponseDto } from '../common/error-response.dto';
import { jsonString, JsonStringResponse } from '../common/json-string.decorator';
import { ModelStateDto } from './dto/model-state.dto';
import { int8CpuDto, quantizationDto } from './dto/quantization.dto';
import { SERVICE_DESCRIPTION, SERVICE_TITLE, SERVICE_VERSION } from '../service-info';

/** What a random-weight stand-in means for its detections, and the way to real ones (no server paths). */
const randomWeightsNotice = (name: string) =>
  `${name} has random weights: a stand-in with the real YOLO architecture, for benchmarks. It runs at full speed but finds ` +
  'nothing in photos. For real detections install the official weights or your own YOLO export (README, "Real detections, also offline").';

/**
 * A static YOLOv8/YOLO11 or end-to-end export runs at its own square: the rectangular rewrite of static graphs is
 * YOLOv5's. Null for any other model.
 */
function fixedSquareNotice(name: string, description: ModelDescription | undefined): string | null {
  if (!description || description.headLayout === 'yolov5') return null;
  const [, , height, width] = description.inputShape;
  if (typeof height !== 'number' || typeof width !== 'number') return null;
  return (
    `${name} has a fixed ${width}x${height} input (a static ${description.headLayout === 'yolov8' ? 'YOLOv8/YOLO11' : 'end-to-end'} export): every photo is letterboxed ` +
    `into that ${width === height ? 'square' : 'rectangle'}. For rectangular inference export it with dynamic=True.`
  );
}

/** The seed's informational routes (bare JSON strings, as FastAPI returns them) and the models' states. */
@Controller()
export class InfoController {
  /** Read once: the CPU does not change while the service runs. */
  private readonly cpu = hostInt8CpuFeatures();

  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @JsonStringResponse()
  @ApiTags('service')
  @ApiOperation({ summary: 'Service title' })
  @ApiOkResponse({ schema: { type: 'string', example: SERVICE_TITLE } })
  title(): string {
    return jsonString(SERVICE_TITLE);
  }

  @Get('describe')
  @JsonStringResponse()
  @ApiTags('service')
  @ApiOperation({ summary: 'What the service does' })
  @ApiOkResponse({ schema: { type: 'string', example: SERVICE_DESCRIPTION } })
  describe(): string {
    return jsonString(SERVICE_DESCRIPTION);
  }

  @Get('version')
  @JsonStringResponse()
  @ApiTags('service')
  @ApiOperation({ summary: 'Service version' })
  @ApiOkResponse({ schema: { type: 'string', example: SERVICE_VERSION } })
  version(): string {
    return jsonString(SERVICE_VERSION);
  }

  @Get('models')
  @ApiTags('models')
  @ApiOperation({
    summary: 'Names of the served models',
    description:
      "Every model of the models folder (each *.onnx under its file name's stem, or as the models config names it), " +
      'and the default models while they are missing or downloading; see /models/{name} for each state.',
  })
  @ApiOkResponse({ schema: { type: 'array', items: { type: 'string' }, example: DEFAULT_MODEL_NAMES } })
  models(): readonly string[] {
    return this.catalog.names;
  }

  @Get('models/:name')
  @ApiTags('models')
  @ApiOperation({ summary: "One model's state: installed, loaded, input shape, head layout, classes, file name, quantization" })
  @ApiParam({ name: 'name', description: 'A name from GET /models.', example: 'yolov5s' })
  @ApiOkResponse({ type: ModelStateDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Unknown model name.' })
  async model(@Param('name') name: string): Promise<ModelStateDto> {
    // A file that has just arrived is seen at once, not at the next look at the folder.
    if (!this.catalog.get(name) || isMissing(this.catalog.get(name)!.status)) await this.catalog.scan();
    const state = this.catalog.get(name);
    if (!state) throw new UnknownModelError(name, this.catalog.names);
    const description = state.description;
    // Read from the file's metadata when it appeared, loaded or not.
    const randomWeights = description?.randomWeights ?? null;
    const quantization = description?.quantization ?? null;
    const notices = [randomWeights ? randomWeightsNotice(name) : null, int8SpeedNotice(name, quantization, this.cpu), fixedSquareNotice(name, description)].filter(
      (notice) => notice !== null,
    );
    return {
      name: state.name,
      status: state.status,
      available: canServe(state.status),
      loaded: isLoaded(state.status),
      file: state.fileName,
      error: state.error ?? null,
      install_hint: isMissing(state.status) ? notInstalledHint(name) : null,
      input_shape: description?.inputShape ?? null,
      shape_policy: description?.shape.policy ?? null,
      shape_policy_reason: description?.shape.reason ?? null,
      output_shape: description?.outputShape ?? null,
      stride: description?.stride ?? null,
      head_layout: description?.headLayout ?? null,
      classes: description?.classNames ?? null,
      random_weights: randomWeights,
      quantization: quantization && quantizationDto(quantization),
      int8_cpu: quantization && int8CpuDto(this.cpu),
      notice: notices.length > 0 ? notices.join(' ') : null,
      load_ms: description?.loadMs === undefined ? null : Math.round(description.loadMs),
      workers_loaded: state.runnersLoaded,
      replicas: state.options.replicas,
      input_size: state.options.inputSize,
      loading: state.options.loading,
    };
  }
}
