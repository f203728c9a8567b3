import { plainToInstance, Transform } from 'class-transformer';
import { IsDivisibleBy, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, validateSync } from 'class-validator';
import { DEFAULT_DETECT_OPTIONS, DetectOptions } from '@app/vision';
import { capEcho } from '../common/client-echo';
import { DetectionOptionsDto, toNumber } from '../detection/dto/detection-options.dto';

/** The input sizes the page offers; any multiple of 32 from 128 to 1280 is accepted. */
export const STREAM_INPUT_SIZES = [640, 480, 416, 320] as const;

/**
 * A stream's settings, in the same names as /predict's fields plus `input_size`: given as the query of the URL that
 * opens the stream, then changed at any time by a `settings` message naming only what changes.
 */
export class StreamSettingsDto extends DetectionOptionsDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  model?: string;

  /** Longest side of the model input for rectangular models (shape_policy `fixed` ones run at their square). */
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(128)
  @Max(1280)
  @IsDivisibleBy(32)
  input_size?: number;
}

/** A stream's complete settings, as reported to its client. */
export interface StreamSettings {
  model: string;
  confidence_threshold: number;
  iou_threshold: number;
  max_detections: number;
  classes: string[] | null;
  input_size: number;
}

export function defaultStreamSettings(model: string, inputSize: number): StreamSettings {
  return {
    model,
    confidence_threshold: DEFAULT_DETECT_OPTIONS.confidenceThreshold,
    iou_threshold: DEFAULT_DETECT_OPTIONS.iouThreshold,
    max_detections: DEFAULT_DETECT_OPTIONS.maxDetections,
    classes: null,
    input_size: inputSize,
  };
}

/**
 * `current` with the fields of `change` applied, or the list of what is wrong with `change` (unknown fields
 * included, so that a typo is not silently ignored). Model and class names are checked by the caller.
 */
export function applySettings(current: StreamSettings, change: unknown): { settings: StreamSettings } | { errors: string[] } {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) return { errors: ['settings must be a JSON object'] };
  // class-transformer skips `__proto__` and `constructor`, so the whitelist never sees them: name every unknown key here.
  const unknown = Object.keys(change).filter((key) => !Object.hasOwn(current, key)).map((key) => `property ${capEcho(key)} should not exist`);
  const dto = plainToInstance(StreamSettingsDto, change);
  const invalid = validateSync(dto, { whitelist: true }).flatMap((error) => Object.values(error.constraints ?? { [error.property]: `${error.property} is invalid` }));
  const errors = [...unknown, ...invalid];
  if (errors.length > 0) return { errors };
  // Fields left out keep their value; `"classes": null` lifts the class filter.
  const defined = Object.fromEntries(Object.entries(dto).filter(([key, value]) => value !== undefined && (value !== null || key === 'classes')));
  return { settings: { ...current, ...defined } };
}

export const toDetectOptions = (settings: StreamSettings): DetectOptions => ({
  confidenceThreshold: settings.confidence_threshold,
  iouThreshold: settings.iou_threshold,
  maxDetections: settings.max_detections,
  classes: settings.classes,
  inputSize: settings.input_size,
});
