import { PassThrough } from 'node:stream';
import { terminalDestination } from './http-logger';

/** A stand-in for stdout that records what is written to it. */
function fakeStdout(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  const written: string[] = [];
  stream.on('data', (chunk: Buffer) => written.push(chunk.toString()));
  return { stream, text: () => written.join('') };
}

describe('the log destination', () => {
  it('is pino JSON on stdout when stdout is not a terminal (containers, pipes)', () => {
    expect(terminalDestination(fakeStdout(false).stream)).toBeUndefined();
  });

  it('is pino-pretty on a terminal: one readable line with the time, level and context before the message', async () => {
    const stdout = fakeStdout(true);
    const pretty = terminalDestination(stdout.stream)!;
    pretty.write(JSON.stringify({ level: 30, time: Date.now(), pid: 1, hostname: 'h', context: 'Bootstrap', msg: 'Listening on http://0.0.0.0:8000' }) + '\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stdout.text().replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Bootstrap: Listening on http:\/\/0\.0\.0\.0:8000\n$/);
  });
});
