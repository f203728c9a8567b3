/** Problems with an uploaded image: the client's fault, reported with a clear message and a 4xx status. */
export type ImageErrorKind = 'unsupported-format' | 'undecodable';

export class ImageError extends Error {
  constructor(
    readonly kind: ImageErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}
