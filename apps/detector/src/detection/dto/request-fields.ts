import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { OFFICIAL_MODEL_NAMES } from '@app/model-store';

/** The fields every image route shares, declared once for their JSON and multipart bodies. */

/** `model`: one of the served names (the registry checks which; a 400 names them). */
export const ModelNameField = () =>
  applyDecorators(
    ApiProperty({ description: 'Which detector to run.', enum: OFFICIAL_MODEL_NAMES, example: 'yolov5s' }),
    IsString(),
    IsNotEmpty(),
    MaxLength(64),
  );

/** `image` in JSON: base64 of the file. Optional for the validator because the multipart form carries a file instead. */
export const Base64ImageField = () =>
  applyDecorators(
    ApiProperty({
      description: 'The image file (JPEG, PNG, BMP, TIFF or GIF), base64-encoded. A `data:image/...;base64,` prefix is accepted.',
      format: 'byte',
      example: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAEnNCcKAAAAAElFTkSuQmCC',
    }),
    IsOptional(),
    IsString(),
  );

/** `image` in multipart/form-data: the file itself (Swagger UI shows a file picker). */
export const ImageFileField = () => ApiProperty({ description: 'The image file (JPEG, PNG, BMP, TIFF or GIF).', type: 'string', format: 'binary' });
