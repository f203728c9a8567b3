import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLabelledFolder } from './accuracy-dataset';

describe('readLabelledFolder', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'labelled-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('lists the images by name with their label text, empty where an image has no label file', () => {
    mkdirSync(join(folder, 'images'));
    mkdirSync(join(folder, 'labels'));
    for (const name of ['b.jpg', 'a.PNG', 'notes.txt']) writeFileSync(join(folder, 'images', name), '');
    writeFileSync(join(folder, 'labels', 'b.txt'), '0 0.5 0.5 0.1 0.1\n');
    expect(readLabelledFolder(folder).map(({ name, labelText }) => [name, labelText])).toEqual([
      ['a.PNG', ''],
      ['b.jpg', '0 0.5 0.5 0.1 0.1\n'],
    ]);
  });

  it('names the folder that is not a labelled dataset', () => {
    expect(() => readLabelledFolder(folder)).toThrow(`${folder} is not a labelled image folder`);
    mkdirSync(join(folder, 'images'));
    expect(() => readLabelledFolder(folder)).toThrow(/no labels\/ folder/);
    mkdirSync(join(folder, 'labels'));
    expect(() => readLabelledFolder(folder)).toThrow(/holds no images/);
  });
});
