import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AnnotateRequestDto, AnnotateUploadDto } from './detection/dto/annotate-request.dto';
import { CompareRequestDto, CompareUploadDto } from './detection/dto/compare-request.dto';
import { PredictRequestDto, PredictUploadDto } from './detection/dto/predict-request.dto';
import { SERVICE_DESCRIPTION, SERVICE_TITLE, SERVICE_VERSION } from './service-info';
import { PAGE_PATH } from './web/web.controller';

/** The routes that take an image either as the seed's JSON (base64) or as a multipart upload. */
const IMAGE_ROUTES = [
  { path: '/predict', json: PredictRequestDto, multipart: PredictUploadDto },
  { path: '/predict/compare', json: CompareRequestDto, multipart: CompareUploadDto },
  { path: '/predict/annotated', json: AnnotateRequestDto, multipart: AnnotateUploadDto },
];

/**
 * @nestjs/swagger gives one schema for all media types of a body, so each media type of the image routes gets its
 * own here (Swagger UI then shows a file picker for multipart).
 */
function describeImageBodies(document: OpenAPIObject) {
  for (const { path, json, multipart } of IMAGE_ROUTES) {
    const operation = document.paths[path]?.post;
    if (!operation) continue;
    operation.requestBody = {
      required: true,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(json) } },
        'multipart/form-data': { schema: { $ref: getSchemaPath(multipart) } },
      },
    };
  }
}

export function setUpSwagger(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle(SERVICE_TITLE)
    .setDescription(`${SERVICE_DESCRIPTION}\n\nTry it in the browser: the [companion web page](${PAGE_PATH}) runs one model or compares all three on a photo.`)
    .setVersion(SERVICE_VERSION)
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: IMAGE_ROUTES.flatMap(({ json, multipart }) => [json, multipart]) });
  describeImageBodies(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
