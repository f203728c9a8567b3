import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { OFFICIAL_MODEL_NAMES } from '@app/model-store';
import { ModelRegistryService } from '../model-registry/model-registry.service';
import { ErrorResponseDto } from '../common/error-response.dto';
import { jsonString, JsonStringResponse } from '../common/json-string.decorator';
import { ModelStateDto } from './dto/model-state.dto';
import { SERVICE_DESCRIPTION, SERVICE_TITLE, SERVICE_VERSION } from '../service-info';

/** What a random-weight stand-in means for its detections, and the way to real ones (no server paths). */
const randomWeightsNotice = (name: string) =>
  `${name} has random weights: a stand-in with the real YOLOv5 architecture, for benchmarks. It runs at full speed but finds ` +
  'nothing in photos. For real detections install the official weights or your own YOLOv5 export (README, "Real detections, also offline").';

/** The seed's informational routes (bare JSON strings, as FastAPI returns them) and the models' states. */
@Controller()
export class InfoController {
  constructor(private readonly registry: ModelRegistryService) {}

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
  @ApiOperation({ summary: 'Names of the served models', description: 'Always the three names, installed or not; see /models/{name} for each state.' })
  @ApiOkResponse({ schema: { type: 'array', items: { type: 'string' }, example: OFFICIAL_MODEL_NAMES } })
  models(): readonly string[] {
    return this.registry.names;
  }

  @Get('models/:name')
  @ApiTags('models')
  @ApiOperation({ summary: "One model's state: installed, loaded, input shape, classes, source file" })
  @ApiParam({ name: 'name', enum: OFFICIAL_MODEL_NAMES })
  @ApiOkResponse({ type: ModelStateDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Unknown model name.' })
  async model(@Param('name') name: string): Promise<ModelStateDto> {
    const state = this.registry.state(name);
    const description = state.description;
    const randomWeights = await this.registry.hasRandomWeights(name);
    return {
      name: state.name,
      status: state.status,
      available: state.available,
      loaded: state.loaded,
      file: state.file,
      error: state.error ?? null,
      install_hint: state.available ? null : this.registry.installHint(name),
      input_shape: description?.inputShape ?? null,
      output_shape: description?.outputShape ?? null,
      stride: description?.stride ?? null,
      classes: description?.classNames ?? null,
      random_weights: randomWeights,
      notice: randomWeights ? randomWeightsNotice(name) : null,
      load_ms: description ? Math.round(description.loadMs) : null,
      workers_loaded: state.workersLoaded,
    };
  }
}
