import { UnprocessableEntityException } from '@nestjs/common';
import { DetectionService } from './detection.service';

/**
 * The image of a detection request: the multipart file, or the JSON form's base64 text. Shared by every route that
 * takes an image so they all accept the same two bodies and answer a missing image the same way.
 */
export function requestImage(detection: DetectionService, file: Express.Multer.File | undefined, base64: string | undefined): Uint8Array {
  if (file) return file.buffer;
  if (!base64) {
    throw new UnprocessableEntityException('image is required: a base64 string in JSON, or a file field named "image" in multipart/form-data.');
  }
  return detection.decodeBase64Image(base64);
}
