import { DetectionOptionsDto } from './detection-options.dto';
import { Base64ImageField, ImageFileField, ModelNameField } from './request-fields';

/** The seed's JSON body: `{"model": "yolov5s", "image": "<base64 PNG/JPEG>"}` plus optional tuning. */
export class PredictRequestDto extends DetectionOptionsDto {
  @ModelNameField()
  model: string;

  @Base64ImageField()
  image?: string;
}

/** multipart/form-data form of POST /predict: the same fields, with the image as a file. */
export class PredictUploadDto extends DetectionOptionsDto {
  @ModelNameField()
  model: string;

  @ImageFileField()
  image?: unknown;
}
