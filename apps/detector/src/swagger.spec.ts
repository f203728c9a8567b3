import type { OpenAPIObject } from '@nestjs/swagger';
import type { ModelCatalog } from './catalog/model-catalog';
import { inlineCode, withServedModels } from './swagger';

const PHISHING = '<a href="https://evil.example/login">Session expired: log in</a>';

function describedModels(classNames: string[], name = 'custom'): string {
  const catalog = { names: [name], suggestedModel: () => name, canServe: () => true, all: () => [{ name, status: 'loaded', description: { classNames } }] } as unknown as ModelCatalog;
  const document: OpenAPIObject = { openapi: '3.0.0', info: { title: 'detector', version: '1', description: 'Detects.' }, paths: {}, components: { schemas: {} } };
  return withServedModels(document, catalog).info.description!;
}

describe('withServedModels', () => {
  it('lists each model with its first classes', () => {
    expect(describedModels(['cat', 'dog'], 'pets')).toBe('Detects.\n\nServed models (the models folder, now):\n- `pets`: loaded, 2 classes (`cat`, `dog`)');
  });

  it("shows a model's class names as code, never as a live link or HTML (they come from the model file)", () => {
    const description = describedModels([PHISHING, 'dog']);
    expect(description).toContain(`(\`${PHISHING}\`, \`dog\`)`);
    // The only Markdown outside code spans is the list itself.
    const outsideCode = description.split('\n').pop()!.replace(/`[^`]*`/g, '');
    expect(outsideCode).toBe('- : loaded, 2 classes (, )');
  });
});

describe('inlineCode', () => {
  it('cannot be broken out of with backticks or newlines, and stays short', () => {
    expect(inlineCode('a`<b>`\n\n# c')).toBe("`a'<b>' # c`");
    expect(inlineCode('x'.repeat(10_000)).length).toBeLessThan(200);
  });
});
