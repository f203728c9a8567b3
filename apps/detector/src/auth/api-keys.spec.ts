import { keyMatcher, parseApiKeys, presentedKey, presentedStreamKey, redactKeyInUrl, selectStreamProtocol } from './api-keys';

const KEY_A = 'a'.repeat(8) + '-key-number-one';
const KEY_B = 'b9F2kQ7xLm3Vt8Rz';

describe('API keys', () => {
  it('reads a comma list or a secret file (one per line, blanks and comments skipped)', () => {
    expect(parseApiKeys('')).toEqual([]);
    expect(parseApiKeys(` ${KEY_A} ,${KEY_B}`)).toEqual([KEY_A, KEY_B]);
    expect(parseApiKeys(`# rotated 2026-12-01\r\n${KEY_A}\n\n${KEY_B}\n`)).toEqual([KEY_A, KEY_B]);
  });

  it('refuses short keys and keys with spaces or control characters, naming the key by position only', () => {
    expect(() => parseApiKeys(`${KEY_A},short`)).toThrow('key 2 is 5 characters long; use at least 16');
    expect(() => parseApiKeys(`${KEY_A} ${KEY_B}`)).toThrow(/^key 1 has a character other than visible ASCII/);
    expect(() => parseApiKeys(`${KEY_A}\u0000xyz`)).toThrow(/^key 1 has a character/);
    expect(() => parseApiKeys(`${KEY_B},${KEY_A}é`)).toThrow(/^key 2 has a character/);
  });

  it('matches exactly the configured keys and names each by a fingerprint that is not the key', () => {
    const match = keyMatcher([KEY_A, KEY_B]);
    const [a, b] = [match(KEY_A), match(KEY_B)];
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(b).toMatch(/^[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(KEY_A).not.toContain(a);
    for (const wrong of [undefined, '', KEY_A.slice(0, -1), `${KEY_A}x`, KEY_A.toUpperCase(), ` ${KEY_B}`]) expect(match(wrong)).toBeNull();
    expect(keyMatcher([])(KEY_A)).toBeNull();
  });

  it('finds the key in Authorization: Bearer or X-API-Key, and in the stream URL', () => {
    expect(presentedKey({ authorization: `Bearer ${KEY_A}` })).toBe(KEY_A);
    expect(presentedKey({ authorization: `bearer   ${KEY_A} ` })).toBe(KEY_A);
    expect(presentedKey({ 'x-api-key': KEY_B })).toBe(KEY_B);
    expect(presentedKey({ authorization: `Basic ${KEY_A}`, 'x-api-key': KEY_B })).toBe(KEY_B);
    expect(presentedKey({ authorization: `Basic ${KEY_A}` })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
    expect(presentedStreamKey(`/stream?model=yolov5s&api_key=${encodeURIComponent('k+y/=')}`, undefined)).toBe('k+y/=');
    expect(presentedStreamKey('/stream?model=yolov5s', undefined)).toBeUndefined();
    const keyProtocol = `detector-key.${Buffer.from(KEY_A).toString('base64url')}`;
    expect(presentedStreamKey('/stream', `detector-stream, ${keyProtocol}`)).toBe(KEY_A);
    expect(presentedStreamKey('/stream', 'detector-stream')).toBeUndefined();
  });

  it('never selects the key subprotocol for the handshake answer', () => {
    const keyProtocol = `detector-key.${Buffer.from(KEY_A).toString('base64url')}`;
    expect(selectStreamProtocol(new Set([keyProtocol, 'detector-stream']))).toBe('detector-stream');
    expect(selectStreamProtocol(new Set([keyProtocol]))).toBe(false);
    expect(selectStreamProtocol(new Set(['chat', 'detector-stream']))).toBe('chat'); // as ws would choose without keys
  });

  it('redacts a key in a URL before it is logged', () => {
    expect(redactKeyInUrl(`/stream?api_key=${KEY_A}&model=yolov5s`)).toBe('/stream?api_key=[redacted]&model=yolov5s');
    expect(redactKeyInUrl(`/models?x=1&API_KEY=${KEY_A}#top`)).toBe('/models?x=1&API_KEY=[redacted]#top');
    expect(redactKeyInUrl('/predict')).toBe('/predict');
  });
});
