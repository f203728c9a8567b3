import { applySettings, defaultStreamSettings, toDetectOptions } from './stream-settings.dto';
import { MAX_JSON_DEPTH } from '../common/json-depth.middleware';
import { MAX_TEXT_MESSAGE_BYTES, parseStreamMessage } from './stream-ws.adapter';

const defaults = defaultStreamSettings('yolov5s', 640);

describe('stream settings', () => {
  it('applies only the fields given, from JSON or from URL query text', () => {
    expect(applySettings(defaults, { model: 'yolov5m', confidence_threshold: 0.5 })).toEqual({ settings: { ...defaults, model: 'yolov5m', confidence_threshold: 0.5 } });
    expect(applySettings(defaults, { input_size: '320', classes: 'person, car' })).toEqual({ settings: { ...defaults, input_size: 320, classes: ['person', 'car'] } });
  });

  it('lifts the class filter with classes: null, and ignores null elsewhere', () => {
    const filtered = { ...defaults, classes: ['person'] };
    expect(applySettings(filtered, { classes: null, iou_threshold: null })).toEqual({ settings: { ...filtered, classes: null } });
  });

  it('names every problem: out of range, not a multiple of 32, unknown field, not an object', () => {
    const result = applySettings(defaults, { confidence_threshold: 2, input_size: 300, treshold: 0.5 });
    expect('errors' in result && result.errors).toEqual(
      expect.arrayContaining([expect.stringContaining('confidence_threshold'), 'input_size must be divisible by 32', 'property treshold should not exist']),
    );
    expect(applySettings(defaults, [1])).toEqual({ errors: ['settings must be a JSON object'] });
  });

  it('refuses the keys class-transformer skips, as it refuses any unknown key', () => {
    expect(applySettings(defaults, JSON.parse('{"__proto__": {"model": "x"}, "constructor": {"prototype": {}}}'))).toEqual({
      errors: ['property __proto__ should not exist', 'property constructor should not exist'],
    });
  });

  it('becomes the detection options, input size included', () => {
    expect(toDetectOptions({ ...defaults, input_size: 320 })).toEqual({ confidenceThreshold: 0.25, iouThreshold: 0.45, maxDetections: 1000, classes: null, inputSize: 320 });
  });
});

describe('parseStreamMessage', () => {
  it('makes binary messages frames and routes settings; anything else is unreadable, with the reason', () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff]);
    expect(parseStreamMessage(bytes)).toEqual({ event: 'frame', data: bytes });
    expect(parseStreamMessage([bytes.subarray(0, 1), bytes.subarray(1)])).toEqual({ event: 'frame', data: bytes });
    expect(parseStreamMessage('{"event":"settings","data":{"model":"yolov5m"}}')).toEqual({ event: 'settings', data: { model: 'yolov5m' } });
    expect(parseStreamMessage('{"event":"frame","data":"AAAA"}')).toEqual({ event: 'unreadable', data: expect.stringContaining('Unknown event "frame"') });
    expect(parseStreamMessage('{oops')).toEqual({ event: 'unreadable', data: expect.stringContaining('must be JSON') });
    expect(parseStreamMessage('null')).toEqual({ event: 'unreadable', data: expect.stringContaining('Unknown event null') });
  });

  it('refuses deep messages before anything walks them (2000 nested arrays overflowed the stack)', () => {
    const deep = `{"event":"settings","data":{"foo":${'['.repeat(2000)}${']'.repeat(2000)}}}`;
    expect(parseStreamMessage(deep)).toEqual({ event: 'unreadable', data: expect.stringContaining(`nested more than ${MAX_JSON_DEPTH} levels`) });
    const data = (parseStreamMessage(deep.replace('"settings"', '"other"')) as { data: string }).data;
    expect(data).toContain('nested');
  });

  it('does not parse text larger than a settings message, nor quote a long event name back whole', () => {
    const huge = JSON.stringify({ event: 'settings', data: { model: 'y'.repeat(MAX_TEXT_MESSAGE_BYTES) } });
    expect(parseStreamMessage(huge)).toEqual({ event: 'unreadable', data: expect.stringContaining(`at most ${MAX_TEXT_MESSAGE_BYTES}`) });
    const reason = (parseStreamMessage(JSON.stringify({ event: 'e'.repeat(10_000) })) as { data: string }).data;
    expect(reason.length).toBeLessThan(400);
  });
});
