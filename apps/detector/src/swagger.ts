import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PredictRequestDto, PredictUploadDto } from './detection/dto/predict-request.dto';
import { SERVICE_DESCRIPTION, SERVICE_TITLE, SERVICE_VERSION } from './service-info';

/**
 * POST /predict takes two bodies: the seed's JSON (base64 image) and a multipart upload. @nestjs/swagger gives one
 * schema for all media types, so each media type gets its own here (Swagger UI then shows a file picker for multipart).
 */
function describePredictBodies(document: OpenAPIObject) {
  const operation = document.paths['/predict']?.post;
  if (!operation) return;
  operation.requestBody = {
    required: true,
    content: {
      'application/json': { schema: { $ref: getSchemaPath(PredictRequestDto) } },
      'multipart/form-data': { schema: { $ref: getSchemaPath(PredictUploadDto) } },
    },
  };
}

export function setUpSwagger(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle(SERVICE_TITLE)
    .setDescription(SERVICE_DESCRIPTION)
    .setVersion(SERVICE_VERSION)
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [PredictRequestDto, PredictUploadDto] });
  describePredictBodies(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
