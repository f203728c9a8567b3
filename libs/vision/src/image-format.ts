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

/** A marker segment of a JPEG's header: its marker, where its FF is, and its length field (which counts itself). */
interface JpegSegment {
  marker: number;
  offset: number;
  length: number;
}

/**
 * The marker segments before the image data, found the way libjpeg's marker reader finds them, so what the service
 * reads is what its decoder will use: bytes that are not a marker (junk in the header, stuffed FF 00 pairs) are
 * skipped as libjpeg skips them with a warning, and fill bytes (FF FF) are stepped over. Returns true when it reached
 * the scan (the header is complete), false at the end of the image or of the data.
 */
function* jpegHeaderSegments(bytes: Uint8Array): Generator<JpegSegment, boolean> {
  let offset = 2; // past SOI
  while (offset < bytes.length) {
    // Like libjpeg's next_marker(): anything up to the next FF is discarded, FF FF are fill bytes, FF 00 is no marker.
    if (bytes[offset] !== 0xff) {
      offset += 1;
      continue;
    }
    while (offset + 1 < bytes.length && bytes[offset + 1] === 0xff) offset += 1;
    if (offset + 1 >= bytes.length) return false;
    const marker = bytes[offset + 1];
    if (marker === 0x00) {
      offset += 2;
      continue;
    }
    if (marker === 0xda) return true; // start of scan
    if (marker === 0xd9) return false; // end of image
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // segments without a length
      continue;
    }
    if (offset + 4 > bytes.length) return false;
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    yield { marker, offset, length };
    offset += 2 + length;
  }
  return false;
}

/**
 * The frame header (SOFn, whatever the coding: baseline, progressive, arithmetic, lossless) of a JPEG, as libjpeg finds
 * it (`jpegHeaderSegments`), so the header the service checks is the one its decoder will use. Null when the scan or
 * the end of the data comes before a frame header.
 */
export function readJpegFrame(bytes: Uint8Array): JpegFrame | null {
  for (const { marker, offset } of jpegHeaderSegments(bytes)) {
    if (!isStartOfFrame(marker)) continue;
    if (offset + 9 > bytes.length) return null;
    return { precision: bytes[offset + 4], height: (bytes[offset + 5] << 8) | bytes[offset + 6], width: (bytes[offset + 7] << 8) | bytes[offset + 8] };
  }
  return null;
}

/** Orientation of the TIFF/EXIF spec: 5-8 turn the picture a quarter, so its upright width is its stored height. */
export const swapsWidthAndHeight = (orientation: number) => orientation >= 5 && orientation <= 8;

const EXIF_HEADER = [...ascii('Exif'), 0, 0];
const EXIF_ORIENTATION_TAG = 0x0112;
const TIFF_SHORT = 3;

/**
 * The EXIF orientation (1-8) a JPEG's decoder will apply, read from its header: 1 without an EXIF block, null when
 * the answer is not plain (the header cut before the image data, two EXIF blocks, a malformed one, a value outside
 * 1-8), for the caller to ask the decoder instead.
 */
export function readJpegOrientation(bytes: Uint8Array): number | null {
  const segments = jpegHeaderSegments(bytes);
  let orientation: number | null = 1;
  let exifBlocks = 0;
  for (let next = segments.next(); ; next = segments.next()) {
    if (next.done) return next.value ? orientation : null;
    const { marker, offset, length } = next.value;
    // APP1 starting "Exif", as libvips recognises an EXIF block (an APP1 may hold XMP instead).
    if (marker !== 0xe1 || !startsWith(bytes, ascii('Exif'), offset + 4)) continue;
    exifBlocks += 1;
    orientation = exifBlocks === 1 ? exifOrientation(bytes.subarray(offset + 4, offset + 2 + length)) : null;
  }
}

/** The Orientation entry of the first IFD (the main image's) of an EXIF block, 1 when it has none. */
function exifOrientation(exif: Uint8Array): number | null {
  const tiff = EXIF_HEADER.length;
  if (!startsWith(exif, EXIF_HEADER) || exif.length < tiff + 8) return null;
  const littleEndian = startsWith(exif, [0x49, 0x49, 0x2a, 0x00], tiff);
  if (!littleEndian && !startsWith(exif, [0x4d, 0x4d, 0x00, 0x2a], tiff)) return null;
  const view = new DataView(exif.buffer, exif.byteOffset, exif.byteLength);
  const ifd = tiff + view.getUint32(tiff + 4, littleEndian);
  if (ifd + 2 > exif.length) return null;
  const entries = view.getUint16(ifd, littleEndian);
  if (ifd + 2 + 12 * entries > exif.length) return null;
  let orientation: number | null = 1;
  let found = false;
  for (let entry = ifd + 2; entry < ifd + 2 + 12 * entries; entry += 12) {
    if (view.getUint16(entry, littleEndian) !== EXIF_ORIENTATION_TAG) continue;
    const plain = !found && view.getUint16(entry + 2, littleEndian) === TIFF_SHORT && view.getUint32(entry + 4, littleEndian) === 1;
    orientation = plain ? view.getUint16(entry + 8, littleEndian) : null;
    found = true;
  }
  return orientation !== null && orientation >= 1 && orientation <= 8 ? orientation : null;
}
