/**
 * A minimal Open Inference Protocol (KServe v2) REST client, written from the specification's text
 * (kserve/open-inference-protocol, specification/protocol/inference_rest.md) and not from this service's code: the
 * e2e tests talk to /v2 only through it, so they check the service against the protocol, not against itself.
 */

type Parameters = Record<string, string | number | boolean>;

/** `$request_input`: tensor data flattened or nested, row-major. */
export interface RequestInput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Parameters;
  data: unknown[];
}

/** `$inference_request`. */
export interface InferenceRequest {
  id?: string;
  parameters?: Parameters;
  inputs: RequestInput[];
  outputs?: { name: string; parameters?: Parameters }[];
}

/** `$response_output`. */
export interface ResponseOutput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Parameters;
  data: unknown[];
}

/** `$inference_response`. */
export interface InferenceResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Parameters;
  outputs: ResponseOutput[];
}

/** `$metadata_tensor`: -1 marks a variable-size dimension. */
export interface MetadataTensor {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

export interface ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: MetadataTensor[];
  outputs: MetadataTensor[];
}

/** The spec's Tensor Data Types table. */
export const SPEC_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];

/** An answer as received: the status decides (health: 200 true, anything else false), the body is JSON. */
export interface ProtocolAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** A failed request's body, `$inference_error_response` and friends. */
export interface ProtocolError {
  error: string;
}

export class OpenInferenceClient {
  constructor(private readonly baseUrl: string) {}

  serverLive() {
    return this.get<{ live: boolean }>('/v2/health/live');
  }

  serverReady() {
    return this.get<{ ready: boolean }>('/v2/health/ready');
  }

  serverMetadata() {
    return this.get<ServerMetadata | ProtocolError>('/v2');
  }

  modelMetadata(model: string) {
    return this.get<ModelMetadata | ProtocolError>(`/v2/models/${encodeURIComponent(model)}`);
  }

  modelReady(model: string) {
    return this.get<{ name: string; ready: boolean } | ProtocolError>(`/v2/models/${encodeURIComponent(model)}/ready`);
  }

  infer(model: string, request: InferenceRequest | string) {
    return this.send<InferenceResponse | ProtocolError>('POST', `/v2/models/${encodeURIComponent(model)}/infer`, typeof request === 'string' ? request : JSON.stringify(request));
  }

  /** One BYTES input holding an encoded file, base64 in JSON (the spec gives BYTES elements as JSON strings). */
  static bytesInput(name: string, file: Uint8Array): RequestInput {
    return { name, shape: [1], datatype: 'BYTES', data: [Buffer.from(file).toString('base64')] };
  }

  /** The named output of a response; throws when the server did not return it. */
  static output(response: InferenceResponse, name: string): ResponseOutput {
    const output = response.outputs.find((candidate) => candidate.name === name);
    if (!output) throw new Error(`the response has no output "${name}" (it has ${response.outputs.map((o) => o.name).join(', ')})`);
    return output;
  }

  private get<T>(path: string) {
    return this.send<T>('GET', path);
  }

  private async send<T>(method: string, path: string, body?: string): Promise<ProtocolAnswer<T>> {
    const response = await fetch(this.baseUrl + path, { method, body, headers: body === undefined ? {} : { 'Content-Type': 'application/json' } });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
  }
}
