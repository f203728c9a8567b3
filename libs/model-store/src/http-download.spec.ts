import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { httpGetFollowingRedirects } from './http-download';

describe('httpGetFollowingRedirects', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/moved') return void response.writeHead(302, { location: '/final' }).end();
      if (request.url === '/loop') return void response.writeHead(307, { location: '/loop' }).end();
      if (request.url === '/final') return void response.end('model bytes');
      // '/silent': accepts the request and never answers
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const body = async (url: string) => {
    const response = await httpGetFollowingRedirects(url);
    let text = '';
    for await (const chunk of response) text += chunk;
    return [response.statusCode, text];
  };

  it('follows redirects to the final response', async () => {
    expect(await body(`${origin}/moved`)).toEqual([200, 'model bytes']);
  });

  it('gives up on a redirect loop', async () => {
    await expect(httpGetFollowingRedirects(`${origin}/loop`)).rejects.toThrow(/too many redirects/);
  });

  it('fails with ETIMEDOUT when the host stays silent', async () => {
    await expect(httpGetFollowingRedirects(`${origin}/silent`, { idleTimeoutMs: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});
