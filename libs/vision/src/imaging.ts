/** sharp and jimp (native / heavy): decoding and drawing. Import only in the threads that decode or draw. */
export * from './image-decoder';
export * from './annotate';
