import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import AdmZip from 'adm-zip';
import { httpGetFollowingRedirects } from './http-download';

/** Ultralytics' coco128 (the first 128 COCO train2017 images, 7 MB zip): the photos INT8 twins calibrate on by default. */
export const COCO128_URL = 'https://github.com/ultralytics/assets/releases/download/v0.0.0/coco128.zip';

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif']);
const isPhoto = (name: string) => PHOTO_EXTENSIONS.has(extname(name).toLowerCase());

/** The first `count` photos of a folder, in name order (so a calibration is repeatable). */
export function calibrationPhotos(directory: string, count: number): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    throw new Error(`cannot read the calibration folder ${directory}: ${(error as Error).message}`);
  }
  const photos = names.filter(isPhoto).sort();
  if (photos.length === 0) throw new Error(`no photos (${[...PHOTO_EXTENSIONS].join(' ')}) in ${directory}`);
  return photos.slice(0, count).map((name) => join(directory, name));
}

/** Whether a folder holds at least one photo (a missing folder holds none). */
export function hasPhotos(directory: string): boolean {
  try {
    return readdirSync(directory).some(isPhoto);
  } catch {
    return false;
  }
}

/**
 * Downloads a zip of photos (coco128 by default) and puts its photos, flattened, into `directory`: a new folder
 * appears whole or not at all. Rejects with the reason (the socket's code, e.g. ENOTFOUND offline, or the HTTP status).
 * Returns how many photos it wrote.
 */
export async function fetchCalibrationPhotos(directory: string, url: string = COCO128_URL, signal?: AbortSignal): Promise<number> {
  const response = await httpGetFollowingRedirects(url, { signal });
  if (response.statusCode !== 200) {
    response.resume();
    throw new Error(`${url} answered HTTP ${response.statusCode}`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const entries = new AdmZip(Buffer.concat(chunks)).getEntries().filter((entry) => !entry.isDirectory && isPhoto(entry.entryName) && !basename(entry.entryName).startsWith('.'));
  if (entries.length === 0) throw new Error(`${url} holds no photos`);
  const partial = join(dirname(directory), `.${basename(directory)}.${randomBytes(4).toString('hex')}.part`);
  mkdirSync(partial, { recursive: true });
  try {
    for (const entry of entries) writeFileSync(join(partial, basename(entry.entryName)), entry.getData());
    if (existsSync(directory)) {
      // A folder of the user's (without photos): add to it, never replace it.
      for (const name of readdirSync(partial)) renameSync(join(partial, name), join(directory, name));
    } else {
      mkdirSync(dirname(directory), { recursive: true });
      renameSync(partial, directory);
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return entries.length;
}
