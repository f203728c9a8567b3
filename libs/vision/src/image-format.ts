/** Image formats recognised from their first bytes, and which of them the service decodes. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'bmp' | 'tiff' | 'webp' | 'heic' | 'avif' | 'jpeg2000' | 'ico' | 'svg' | 'pdf';

export const DECODABLE_FORMATS: ReadonlySet<ImageFormat> = new Set(['jpeg', 'png', 'gif', 'bmp', 'tiff']);

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);
const ascii = (text: string) => [...text].map((ch) => ch.charCodeAt(0));

export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('BM'))) return 'bmp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(bytes, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (brand.startsWith('avi')) return 'avif';
    if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heic';
  }
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return 'jpeg2000';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return 'ico';
  if (startsWith(bytes, ascii('%PDF'))) return 'pdf';
  const head = Buffer.from(bytes.subarray(0, 256)).toString('utf8').trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  return null;
}

/** JPEG markers that start a frame (SOF0-SOF15 without DHT 0xc4, JPG 0xc8 and DAC 0xcc). */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** What a JPEG's frame header declares. */
export interface JpegFrame {
  /** Bits per sample: 8, or 12 for some medical and camera-raw files. */
  precision: number;
  width: number;
  height: number;
}

/**
 * The frame header (SOFn, whatever the coding: baseline, progressive, arithmetic, lossless) of a JPEG, found the way
 * libjpeg's marker reader finds it, so the header the service checks is the one its decoder will use: bytes that are
 * not a marker (junk in the header, stuffed FF 00 pairs) are skipped as libjpeg skips them with a warning, and fill
 * bytes (FF FF) are stepped over. Null when the scan or the end of the data comes before a frame header.
 */
export function readJpegFrame(bytes: Uint8Array): JpegFrame | null {
  let offset = 2; // past SOI
  while (offset < bytes.length) {
    // Like libjpeg's next_marker(): anything up to the next FF is discarded, FF FF are fill bytes, FF 00 is no marker.
    if (bytes[offset] !== 0xff) {
      offset += 1;
      continue;
    }
    while (offset + 1 < bytes.length && bytes[offset + 1] === 0xff) offset += 1;
    if (offset + 1 >= bytes.length) return null;
    const marker = bytes[offset + 1];
    if (marker === 0x00) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image, or scan data without a frame
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // segments without a length
      continue;
    }
    if (offset + 4 > bytes.length) return null;
    if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length) return null;
      return { precision: bytes[offset + 4], height: (bytes[offset + 5] << 8) | bytes[offset + 6], width: (bytes[offset + 7] << 8) | bytes[offset + 8] };
    }
    offset += 2 + ((bytes[offset + 2] << 8) | bytes[offset + 3]);
  }
  return null;
}
