import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { EXAMPLE_PHOTO_BASE64 } from './openapi-examples';

/** The fields every image route shares, declared once for their JSON and multipart bodies. */

/** `model`: one of the served names (the catalog checks which; a 400 names them; Swagger lists them when /docs is read). */
export const ModelNameField = () =>
  applyDecorators(
    ApiProperty({ description: 'Which detector to run: one of GET /models.', example: 'yolov5s' }),
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
      example: EXAMPLE_PHOTO_BASE64,
    }),
    IsOptional(),
    IsString(),
  );

/** `image` in multipart/form-data: the file itself (Swagger UI shows a file picker). */
export const ImageFileField = () => ApiProperty({ description: 'The image file (JPEG, PNG, BMP, TIFF or GIF).', type: 'string', format: 'binary' });
