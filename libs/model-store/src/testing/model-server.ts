import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A local stand-in for the release host. Each first path segment picks a behaviour, so a test chooses one by
 * its base URL, e.g. `${origin}/truncated`. Every request path is recorded.
 */
export type ServedBehaviour =
  | { kind: 'file'; bytes: Uint8Array; chunked?: boolean }
  | { kind: 'truncated'; bytes: Uint8Array }
  | { kind: 'stall'; bytes: Uint8Array }
  | { kind: 'status'; status: number }
  | { kind: 'redirect'; location: string };

export interface ModelServer {
  origin: string;
  requests: string[];
  close(): Promise<void>;
}

const CHUNK_BYTES = 64 * 1024;

/** `routes[prefix][fileName]`, or `routes[prefix]['*']` for any file under the prefix. */
export async function startModelServer(routes: Record<string, Record<string, ServedBehaviour>>): Promise<ModelServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const [, prefix = '', fileName = ''] = (request.url ?? '').split('/');
    const behaviour = routes[prefix]?.[fileName] ?? routes[prefix]?.['*'];
    if (!behaviour) return void response.writeHead(404).end('not found');
    void serve(behaviour, request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => closeServer(server),
  };
}

async function serve(behaviour: ServedBehaviour, request: IncomingMessage, response: ServerResponse): Promise<void> {
  switch (behaviour.kind) {
    case 'redirect':
      response.writeHead(302, { location: behaviour.location }).end();
      return;
    case 'status':
      response.writeHead(behaviour.status, { 'content-type': 'text/plain' }).end(`status ${behaviour.status}`);
      return;
    case 'file':
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        ...(behaviour.chunked ? {} : { 'content-length': behaviour.bytes.length }),
      });
      for (let offset = 0; offset < behaviour.bytes.length; offset += CHUNK_BYTES) {
        // Separate writes with a pause so the client sees the body arrive in several pieces.
        await write(response, behaviour.bytes.subarray(offset, offset + CHUNK_BYTES));
      }
      response.end();
      return;
    case 'truncated':
    case 'stall': {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': behaviour.bytes.length });
      await write(response, behaviour.bytes.subarray(0, Math.floor(behaviour.bytes.length / 2)));
      // truncated: the connection ends short of Content-Length; stall: it stays open until the client gives up.
      if (behaviour.kind === 'truncated') request.socket.destroy();
      return;
    }
  }
}

function write(response: ServerResponse, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => response.write(bytes, (error) => (error ? reject(error) : setImmediate(resolve))));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** A port on 127.0.0.1 that nothing listens on (it was just opened and closed), so connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return port;
}
