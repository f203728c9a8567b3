import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { OFFICIAL_MODEL_NAMES } from '@app/model-store';
import { DetectionOptionsDto } from './detection-options.dto';

/** The seed's JSON body: `{"model": "yolov5s", "image": "<base64 PNG/JPEG>"}` plus optional tuning. */
export class PredictRequestDto extends DetectionOptionsDto {
  @ApiProperty({ description: 'Which detector to run.', enum: OFFICIAL_MODEL_NAMES, example: 'yolov5s' })
  @IsString()
  @IsNotEmpty()
  model: string;

  @ApiProperty({
    description: 'The image file (JPEG, PNG, BMP, TIFF or GIF), base64-encoded. A `data:image/...;base64,` prefix is accepted.',
    format: 'byte',
    example: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAEnNCcKAAAAAElFTkSuQmCC',
  })
  // Optional for the validator because the multipart form carries the image as a file; the controller requires one of them.
  @IsOptional()
  @IsString()
  image?: string;
}

/** multipart/form-data form of POST /predict: the same fields, with the image as a file (Swagger UI's file picker). */
export class PredictUploadDto extends DetectionOptionsDto {
  @ApiProperty({ description: 'Which detector to run.', enum: OFFICIAL_MODEL_NAMES, example: 'yolov5s' })
  @IsString()
  @IsNotEmpty()
  model: string;

  @ApiProperty({ description: 'The image file (JPEG, PNG, BMP, TIFF or GIF).', type: 'string', format: 'binary' })
  image?: unknown;
}
