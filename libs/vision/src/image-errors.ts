/**
 * Problems with an uploaded image: the client's fault, reported with a clear message and a 4xx status
 * (unsupported-format 415, too-large 413, undecodable 400).
 */
export type ImageErrorKind = 'unsupported-format' | 'undecodable' | 'too-large';

export class ImageError extends Error {
  constructor(
    readonly kind: ImageErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}
