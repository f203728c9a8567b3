import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

/** The image files an ultralytics dataset folder may hold (what the service decodes). */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.gif']);

export interface LabelledImageFile {
  name: string;
  imagePath: string;
  /** The YOLO label text; empty for an image without a label file (an image without objects, as ultralytics reads it). */
  labelText: string;
}

/**
 * The images of a YOLO-format dataset folder (`images/`, `labels/<stem>.txt`), by file name. Throws a message
 * naming the folder when it is not one.
 */
export function readLabelledFolder(folder: string): LabelledImageFile[] {
  const imagesDir = join(folder, 'images');
  const labelsDir = join(folder, 'labels');
  if (!existsSync(imagesDir) || !statSync(imagesDir).isDirectory()) {
    throw new Error(`${folder} is not a labelled image folder: it needs images/ and labels/ (YOLO format, as ultralytics' coco128)`);
  }
  if (!existsSync(labelsDir)) throw new Error(`${folder} has images/ but no labels/ folder`);
  const names = readdirSync(imagesDir)
    .filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
    .sort();
  if (names.length === 0) throw new Error(`${imagesDir} holds no images`);
  return names.map((name) => {
    const labelPath = join(labelsDir, `${basename(name, extname(name))}.txt`);
    return { name, imagePath: join(imagesDir, name), labelText: existsSync(labelPath) ? readFileSync(labelPath, 'utf8') : '' };
  });
}
