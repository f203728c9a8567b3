import { readFileSync } from 'node:fs';
import { BadRequestException } from '@nestjs/common';
import { decodeBase64Image } from './request-image';

/** The previous validation (a regex over the whole text), kept as the oracle the length check must agree with. */
function decodeWithRegex(text: string): Buffer | null {
  const payload = text.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(payload) || payload.length % 4 === 1) return null;
  return Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
}

function decodeOrNull(text: string): Buffer | null {
  try {
    return decodeBase64Image(text);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return null;
  }
}

describe('decodeBase64Image', () => {
  it.each(['bus.jpg', 'zidane.jpg'])('gives back the bytes of %s from standard, URL-safe, data-URL and wrapped base64', (name) => {
    const bytes = readFileSync(`../shared/corpus/photos/${name}`);
    const standard = bytes.toString('base64');
    for (const text of [standard, bytes.toString('base64url'), `data:image/jpeg;base64,${standard}`, standard.replace(/.{76}/g, '$&\r\n')]) {
      expect(decodeBase64Image(text).equals(bytes)).toBe(true);
    }
  });

  it('accepts and refuses exactly what the regex validation did, with the same bytes', () => {
    const alphabet = 'AQgw+/-_==!. \n';
    // A fixed-seed generator: the same 20,000 short strings on every run.
    let seed = 19;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
    const texts = ['', 'QQ==', 'QQ=', 'QUJD===', 'QQ==QQ==', 'QU=D', '=QUJ', 'Q', 'QUJD!'];
    for (let i = 0; i < 20000; i++) texts.push(Array.from({ length: Math.floor(next() * 14) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
    const disagreements = texts.filter((text) => {
      const expected = decodeWithRegex(text);
      const actual = decodeOrNull(text);
      return expected === null || actual === null ? expected !== actual : !expected.equals(actual);
    });
    expect(disagreements).toEqual([]);
  });
});
