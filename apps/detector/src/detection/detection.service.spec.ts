import { MAX_MESSAGE_CHARS } from '../common/client-echo';
import { unknownClasses } from './detection.service';

describe('unknownClasses', () => {
  it('names the classes a model does not know, or null', () => {
    expect(unknownClasses('pets', ['cat', 'unicorn'], ['cat', 'dog'])).toBe('classes: "unicorn" not among pets\'s classes.');
    expect(unknownClasses('pets', ['cat'], ['cat', 'dog'])).toBeNull();
    expect(unknownClasses('pets', ['cat'], null)).toBeNull();
  });

  it('quotes long or many unknown names in a short message', () => {
    expect(unknownClasses('pets', ['u'.repeat(100_000)], ['cat'])!.length).toBeLessThan(300);
    expect(unknownClasses('pets', Array.from({ length: 1000 }, (_, i) => `class-${i}-${'x'.repeat(90)}`), ['cat'])!.length).toBeLessThan(MAX_MESSAGE_CHARS + 100);
  });
});
