import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { configValidationSchema } from './detector-config';

const DOC = 'docs/configuration.md';
const doc = readFileSync(join(__dirname, '../../../..', DOC), 'utf8');

/** The settings table's rows: variable → its default cell, as written. */
function documentedSettings(): Map<string, string> {
  const rows = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/gm)];
  return new Map(rows.map(([, variable, defaultCell]) => [variable, defaultCell.trim()]));
}

/** Each declared variable and its schema default (undefined when it has none). */
function declaredSettings(): Map<string, unknown> {
  const { keys } = configValidationSchema.describe() as { keys: Record<string, { flags?: { default?: unknown } }> };
  return new Map(Object.entries(keys).map(([variable, schema]) => [variable, schema.flags?.default]));
}

/** The default cell a declared setting needs: its literal value, or words for one that depends on the machine or is empty. */
function defaultCellFits(cell: string, value: unknown): boolean {
  const literal = /^`([^`]*)`$/.exec(cell)?.[1];
  if (literal !== undefined) return value !== undefined && literal === String(value);
  return value === undefined || value === '' || value === availableParallelism();
}

describe(`${DOC} (the settings reference)`, () => {
  const documented = documentedSettings();
  const declared = declaredSettings();

  it('documents every setting detector-config.ts declares', () => {
    const missing = [...declared].filter(([variable]) => !documented.has(variable));
    const rows = missing.map(([variable, value]) => `| \`${variable}\` | ${value === undefined || value === '' ? 'none' : `\`${String(value)}\``} | what it does, in a line |`);
    expect(missing.length === 0 ? 'all documented' : `add to the table in ${DOC}:\n${rows.join('\n')}`).toBe('all documented');
  });

  it('documents no setting detector-config.ts does not declare', () => {
    const extra = [...documented.keys()].filter((variable) => !declared.has(variable));
    expect(extra.length === 0 ? 'none extra' : `remove from ${DOC} (not in detector-config.ts): ${extra.join(', ')}`).toBe('none extra');
  });

  it("gives each setting's default as detector-config.ts declares it", () => {
    const wrong = [...declared].filter(([variable, value]) => documented.has(variable) && !defaultCellFits(documented.get(variable)!, value));
    const fixes = wrong.map(([variable, value]) => `${variable}: the default column says ${documented.get(variable)}, the schema's default is ${value === undefined ? 'none' : `\`${String(value)}\``}`);
    expect(fixes.length === 0 ? 'defaults agree' : `fix in ${DOC}:\n${fixes.join('\n')}`).toBe('defaults agree');
  });
});
