/** The annotated image's formats and options: plain data, shared by the HTTP side and the drawing thread. */

export type AnnotatedImageFormat = 'png' | 'jpeg';

export const ANNOTATED_IMAGE_MIME_TYPES: Readonly<Record<AnnotatedImageFormat, string>> = Object.freeze({ png: 'image/png', jpeg: 'image/jpeg' });

export interface AnnotateOptions {
  format: AnnotatedImageFormat;
  /** The model's class names: a class's colour is the palette entry of its index, as in ultralytics' plots. */
  classNames?: readonly string[];
  /** JPEG quality, 1–100. */
  jpegQuality?: number;
}

export interface AnnotatedImage {
  bytes: Uint8Array;
  mimeType: string;
  width: number;
  height: number;
}
