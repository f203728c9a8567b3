import { capEcho, MAX_ECHO_CHARS } from './client-echo';

describe('capEcho', () => {
  it('keeps short text as it is', () => {
    expect(capEcho('yolov5s')).toBe('yolov5s');
    expect(capEcho('x'.repeat(MAX_ECHO_CHARS))).toBe('x'.repeat(MAX_ECHO_CHARS));
  });

  it('cuts long text and says how much was left out', () => {
    const capped = capEcho('y'.repeat(1_000_000));
    expect(capped).toBe(`${'y'.repeat(MAX_ECHO_CHARS)}… (${1_000_000 - MAX_ECHO_CHARS} more characters)`);
  });

  it('takes its own limit', () => {
    expect(capEcho('abcdef', 3)).toBe('abc… (3 more characters)');
  });
});
