import { BadRequestException, UnprocessableEntityException } from '@nestjs/common';

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

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

/** Decodes the JSON form's base64 image (a data-URL prefix and line breaks are tolerated). */
export function decodeBase64Image(text: string): Buffer {
  const payload = text.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!BASE64.test(payload) || payload.length % 4 === 1) {
    throw new BadRequestException('image must be a base64-encoded image file (JPEG, PNG, BMP, TIFF or GIF).');
  }
  return Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
}
