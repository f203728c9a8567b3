import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { ParameterObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ApiKeyAccess } from './auth/api-key-access';
import { CatalogService } from './catalog/catalog.service';
import { capEcho } from './common/client-echo';
import type { ModelCatalog } from './catalog/model-catalog';
import { AnnotateRequestDto, AnnotateUploadDto } from './detection/dto/annotate-request.dto';
import { CompareRequestDto, CompareUploadDto } from './detection/dto/compare-request.dto';
import { errorBody, ExampleModels, ImageRouteExamples, imageRouteExamples } from './detection/dto/openapi-examples';
import { PredictRequestDto, PredictUploadDto } from './detection/dto/predict-request.dto';
import { ErrorResponseDto } from './common/error-response.dto';
import { SERVICE_DESCRIPTION, SERVICE_TITLE, SERVICE_VERSION } from './service-info';
import { PAGE_PATH } from './web/web.controller';

/** The routes that take an image either as the original app's JSON (base64) or as a multipart upload. */
const IMAGE_ROUTES = [
  { path: '/predict', json: PredictRequestDto, multipart: PredictUploadDto },
  { path: '/predict/compare', json: CompareRequestDto, multipart: CompareUploadDto },
  { path: '/predict/annotated', json: AnnotateRequestDto, multipart: AnnotateUploadDto },
];

/**
 * @nestjs/swagger gives one schema for all media types of a body, so each media type of the image routes gets its
 * own here (Swagger UI then shows a file picker for multipart), and the JSON body its list of example requests.
 */
function describeImageBodies(document: OpenAPIObject, examples: Record<string, ImageRouteExamples>) {
  for (const { path, json, multipart } of IMAGE_ROUTES) {
    const operation = document.paths[path]?.post;
    if (!operation) continue;
    operation.requestBody = {
      required: true,
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(json) },
          examples: Object.fromEntries(Object.entries(examples[path].requests).map(([name, { summary, body }]) => [name, { summary, value: body }])),
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
function describeImageErrors(document: OpenAPIObject, examples: Record<string, ImageRouteExamples>) {
  for (const { path } of IMAGE_ROUTES) {
    const operation = document.paths[path]?.post;
    if (!operation) continue;
    const { requests, errors } = examples[path];
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

/** Request fields that name a served model (a list for `models`), by schema. */
const MODEL_FIELDS: Record<string, string[]> = {
  PredictRequestDto: ['model'],
  PredictUploadDto: ['model'],
  AnnotateRequestDto: ['model'],
  AnnotateUploadDto: ['model'],
  CompareRequestDto: ['models'],
  CompareUploadDto: ['models'],
};

/** The models the examples name: the catalog's suggestion first, and for a comparison a second model that can serve. */
function exampleModels(catalog: ModelCatalog): ExampleModels {
  const model = catalog.suggestedModel();
  const second = catalog.names.find((name) => name !== model && catalog.canServe(name));
  return { model, compared: second ? [model, second] : [model], names: catalog.names };
}

/**
 * `text` from a model file (a class name) as a Markdown code span: shown as written, never as a link or HTML
 * (Swagger UI renders the description as Markdown with HTML and bare URLs turned into links).
 */
export function inlineCode(text: string): string {
  const flat = capEcho(text).replaceAll('`', "'").replace(/\s+/g, ' ');
  return `\`${flat}\``;
}

/**
 * The served models change with the models folder, so what depends on them is filled in each time the document is
 * read: the example requests (a model that can serve now), the enums and examples of the request fields that name a
 * model, the /models/{name} parameter, and a line per model (its classes) in the description.
 */
export function withServedModels(document: OpenAPIObject, catalog: ModelCatalog): OpenAPIObject {
  const patched = structuredClone(document);
  const names = catalog.names;
  const models = exampleModels(catalog);
  const examples = imageRouteExamples(models);
  describeImageBodies(patched, examples);
  describeImageErrors(patched, examples);
  const schemas = (patched.components?.schemas ?? {}) as Record<string, SchemaObject>;
  for (const [schema, fields] of Object.entries(MODEL_FIELDS)) {
    for (const field of fields) {
      const property = schemas[schema]?.properties?.[field] as SchemaObject | undefined;
      if (!property) continue;
      if (property.type === 'array') Object.assign(property, { items: { ...(property.items as SchemaObject), type: 'string', enum: names }, example: models.compared });
      else Object.assign(property, { enum: names, example: models.model });
    }
  }
  // The model in a path (/models/{name}, /v2/models/{name}/...): its example, and the list of names for GET /models/{name}.
  for (const [path, operations] of Object.entries(patched.paths)) {
    for (const operation of Object.values(operations) as { parameters?: ParameterObject[] }[]) {
      const parameter = operation.parameters?.find((candidate) => candidate.in === 'path' && candidate.name === 'name');
      if (!parameter) continue;
      parameter.example = models.model;
      if (path === '/models/{name}') parameter.schema = { type: 'string', enum: names };
    }
  }
  const served = catalog.all().map(({ name, status, description }) => {
    const classes = description ? `${description.classNames.length} classes (${description.classNames.slice(0, 5).map(inlineCode).join(', ')}${description.classNames.length > 5 ? ', …' : ''})` : 'classes unknown';
    return `- ${inlineCode(name)}: ${status}, ${classes}`;
  });
  patched.info.description = `${patched.info.description}\n\nServed models (the models folder, now):\n${served.join('\n') || '- none'}`;
  return patched;
}

/** With keys on, the key schemes of Swagger UI's Authorize button; every operation needs one unless it is @Public(). */
function withKeySchemes(builder: DocumentBuilder, keysRequired: boolean): DocumentBuilder {
  if (!keysRequired) return builder;
  return builder
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (API_KEYS), sent as `Authorization: Bearer <key>`.' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (API_KEYS), sent as `X-API-Key: <key>`.' }, 'api-key')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('api-key');
}

export function setUpSwagger(app: INestApplication) {
  const config = withKeySchemes(new DocumentBuilder(), app.get(ApiKeyAccess).keysRequired)
    .setTitle(SERVICE_TITLE)
    .setDescription(`${SERVICE_DESCRIPTION}\n\nTry it in the browser: the [companion web page](${PAGE_PATH}) runs one model or compares several on a photo.`)
    .setVersion(SERVICE_VERSION)
    // Swagger UI lists the groups in this order: the detections first.
    .addTag('detection', 'Objects in an image: POST /predict (compatible with the original app), comparisons, annotated images')
    .addTag('models', 'The served models and the state of each')
    .addTag('service', 'Informational routes, compatible with the original app')
    .addTag('health', 'Probes and metrics')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: IMAGE_ROUTES.flatMap(({ json, multipart }) => [json, multipart]),
    // Every route has its tag; a controller's name as a second one would list the route twice.
    autoTagControllers: false,
  });
  const catalog = app.get(CatalogService);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', patchDocumentOnRequest: (_req, _res, built) => withServedModels(built, catalog) });
}
