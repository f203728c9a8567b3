import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import sharp from 'sharp';
import { corpusFile, E2E_TMP, REPO_ROOT } from '../support/paths';

/** Debian's chromium (never a downloaded browser); CHROMIUM_PATH points elsewhere if needed. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of the browser tests: CI keeps them as artifacts (the folder is git-ignored). */
export const SCREENSHOTS_DIR = join(REPO_ROOT, 'artifacts/screenshots');

/** `extraArgs`: more command-line switches, e.g. a fake camera. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No browser at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Offline and quiet: no sandbox (containers), no GPU, no background updates or sync.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...extraArgs],
  });
}

export const screenshotPath = (name: string) => join(SCREENSHOTS_DIR, `${name}.png`);

/**
 * A fake camera for chromium (`--use-file-for-fake-video-capture`): an MJPEG file, which is JPEG frames one after
 * another, all of one size; chromium plays it at 30 frames per second, looping. Half a second of each corpus photo.
 */
export async function writeFakeCamera(name: string, photos: readonly string[]): Promise<string> {
  const frames: Buffer[] = [];
  for (const photo of photos) {
    const frame = await sharp(corpusFile(photo)).resize(640, 480, { fit: 'contain', background: '#000' }).jpeg({ quality: 85 }).toBuffer();
    for (let i = 0; i < 15; i++) frames.push(frame);
  }
  mkdirSync(E2E_TMP, { recursive: true });
  const file = join(E2E_TMP, `${name}.mjpeg`);
  writeFileSync(file, Buffer.concat(frames));
  return file;
}

/** Chromium's switches for a fake camera playing `file`, granted without asking. */
export const fakeCameraArgs = (file: string) => ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${file}`];
