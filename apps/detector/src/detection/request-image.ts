import { BadRequestException, UnprocessableEntityException } from '@nestjs/common';

/**
 * The image of a detection request: the multipart file, or the JSON form's base64 text. Shared by every route that
 * takes an image so they all accept the same two bodies and answer a missing image the same way.
 */
export function requestImage(file: Express.Multer.File | undefined, base64: string | undefined): Uint8Array {
  if (file === undefined && (base64 === undefined || base64 === null)) {
    throw new UnprocessableEntityException('image is required: a base64 string in JSON, or a file field named "image" in multipart/form-data.');
  }
  const image = file ? file.buffer : decodeBase64Image(base64!);
  // The same answer for an empty upload and an empty base64 string: a present but unusable image is a 400.
  if (image.byteLength === 0) throw new BadRequestException('image is empty: send the bytes of a JPEG, PNG, BMP, TIFF or GIF file.');
  return image;
}

/** The padding that may end base64 text. */
const PAD = '='.charCodeAt(0);

/** Text of the base64 alphabets (standard and URL-safe), with at most two padding characters at the end. */
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/**
 * Decodes the JSON form's base64 image (a data-URL prefix and line breaks are tolerated; both the standard and the
 * URL-safe alphabet are read). Node's decoder skips any other character and stops at padding, so text that is not
 * base64 decodes to fewer bytes than its unpadded length promises: that check spares a regex scan of the whole body.
 * It cannot tell when the unpadded length leaves one character over (no encoder writes that), so the regex decides then.
 */
export function decodeBase64Image(text: string): Buffer {
  const payload = text.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  let unpadded = payload.length;
  while (unpadded > payload.length - 2 && unpadded > 0 && payload.charCodeAt(unpadded - 1) === PAD) unpadded--;
  const plausible = payload.length % 4 !== 1 && (unpadded % 4 !== 1 || BASE64.test(payload));
  const image = plausible ? Buffer.from(payload, 'base64') : null;
  if (image === null || image.byteLength !== Math.floor((unpadded * 3) / 4)) {
    throw new BadRequestException('image must be a base64-encoded image file (JPEG, PNG, BMP, TIFF or GIF).');
  }
  return image;
}
