import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AnnotateRequestDto, AnnotateUploadDto } from './detection/dto/annotate-request.dto';
import { CompareRequestDto, CompareUploadDto } from './detection/dto/compare-request.dto';
import { errorBody, IMAGE_ROUTE_EXAMPLES } from './detection/dto/openapi-examples';
import { PredictRequestDto, PredictUploadDto } from './detection/dto/predict-request.dto';
import { ErrorResponseDto } from './common/error-response.dto';
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
 * own here (Swagger UI then shows a file picker for multipart), and the JSON body its list of example requests.
 */
function describeImageBodies(document: OpenAPIObject) {
  for (const { path, json, multipart } of IMAGE_ROUTES) {
    const operation = document.paths[path]?.post;
    if (!operation) continue;
    operation.requestBody = {
      required: true,
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(json) },
          examples: Object.fromEntries(Object.entries(IMAGE_ROUTE_EXAMPLES[path].requests).map(([name, { summary, body }]) => [name, { summary, value: body }])),
        },
        'multipart/form-data': { schema: { $ref: getSchemaPath(multipart) } },
      },
    };
  }
}

type ResponseWithContent = { content?: Record<string, { schema?: unknown; example?: unknown; examples?: Record<string, unknown> }> };

/**
 * Each error status of the image routes shows the answers to its own example requests, under the same names, and
 * the errors no small request can provoke (decorators can give only one example per status, the same for all).
 */
function describeImageErrors(document: OpenAPIObject) {
  for (const { path } of IMAGE_ROUTES) {
    const operation = document.paths[path]?.post;
    if (!operation) continue;
    const { requests, errors } = IMAGE_ROUTE_EXAMPLES[path];
    const answers = [
      ...Object.entries(requests).flatMap(([name, { summary, status, detail }]) => (detail ? [{ name, summary, status, detail }] : [])),
      ...errors.map((error) => ({ ...error, name: error.summary })),
    ];
    for (const { name, summary, status, detail } of answers) {
      const response = operation.responses[status] as ResponseWithContent | undefined;
      if (!response) throw new Error(`${path} documents no ${status} answer for its example "${name}"`);
      const content = (response.content ??= {})['application/json'] ?? { schema: { $ref: getSchemaPath(ErrorResponseDto) } };
      delete content.example;
      content.examples = { ...content.examples, [name]: { summary, value: errorBody(status, detail) } };
      response.content['application/json'] = content;
    }
  }
}

export function setUpSwagger(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle(SERVICE_TITLE)
    .setDescription(`${SERVICE_DESCRIPTION}\n\nTry it in the browser: the [companion web page](${PAGE_PATH}) runs one model or compares all three on a photo.`)
    .setVersion(SERVICE_VERSION)
    // Swagger UI lists the groups in this order: the detections first.
    .addTag('detection', 'Objects in an image: the seed\'s POST /predict, comparisons, annotated images')
    .addTag('models', 'The served models and the state of each')
    .addTag('service', 'The seed\'s informational routes')
    .addTag('health', 'Probes and metrics')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: IMAGE_ROUTES.flatMap(({ json, multipart }) => [json, multipart]),
    // Every route has its tag; a controller's name as a second one would list the route twice.
    autoTagControllers: false,
  });
  describeImageBodies(document);
  describeImageErrors(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
