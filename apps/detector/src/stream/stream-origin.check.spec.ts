import type { IncomingMessage } from 'node:http';
import { streamOriginCheck } from './stream-origin.check';

const opening = (origin?: string) => ({ headers: origin === undefined ? {} : { origin } }) as IncomingMessage;

describe('streamOriginCheck', () => {
  it('with CORS_ORIGINS set, lets only those origins (and clients that send none) open streams', () => {
    const check = streamOriginCheck(['https://app.example', 'http://localhost:3000']);
    expect(check(opening('https://app.example'))).toBeUndefined();
    expect(check(opening('HTTPS://APP.example'))).toBeUndefined();
    expect(check(opening('http://localhost:3000'))).toBeUndefined();
    expect(check(opening())).toBeUndefined();
    expect(check(opening('https://evil.example'))).toEqual({ status: 403, detail: expect.stringContaining('CORS_ORIGINS') });
    expect(check(opening('null'))).toMatchObject({ status: 403 });
  });

  it('lets any origin in when CORS is off or open to all', () => {
    expect(streamOriginCheck(null)(opening('https://evil.example'))).toBeUndefined();
    expect(streamOriginCheck('*')(opening('https://evil.example'))).toBeUndefined();
  });
});
