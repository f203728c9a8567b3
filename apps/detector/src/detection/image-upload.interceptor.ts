import { BadRequestException, CallHandler, ExecutionContext, Injectable } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { Observable } from 'rxjs';

/** The multipart field that carries the image on every image route. */
export const IMAGE_FIELD = 'image';

/** Nest's text for multer's LIMIT_UNEXPECTED_FILE, followed by the field's name. */
const UNEXPECTED_FILE = 'Unexpected file field - ';

/**
 * Nest's FileInterceptor for the `image` field, except that a file under another field name (`file` is the usual
 * guess) or a second image is answered with what to send instead of multer's bare "Unexpected file field - file".
 */
@Injectable()
export class ImageUploadInterceptor extends FileInterceptor(IMAGE_FIELD) {
  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    try {
      return await super.intercept(context, next);
    } catch (error) {
      if (!(error instanceof BadRequestException) || !error.message.startsWith(UNEXPECTED_FILE)) throw error;
      const field = error.message.slice(UNEXPECTED_FILE.length);
      throw new BadRequestException(
        field === IMAGE_FIELD
          ? `Send one file in the field "${IMAGE_FIELD}": this request has more than one.`
          : `Send the image in a file field named "${IMAGE_FIELD}", not "${field}".`,
      );
    }
  }
}
