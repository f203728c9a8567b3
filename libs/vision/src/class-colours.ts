import { COCO_CLASS_NAMES } from './coco-names';

/** Ultralytics' 20-colour palette, so boxes look as they do in YOLOv5's own plots. */
export const CLASS_PALETTE: readonly string[] = Object.freeze([
  '#FF3838', '#FF9D97', '#FF701F', '#FFB21D', '#CFD231', '#48F90A', '#92CC17', '#3DDB86', '#1A9334', '#00D4BB',
  '#2C99A8', '#00C2FF', '#344593', '#6473FF', '#0018EC', '#8438FF', '#520085', '#CB38FF', '#FF95C8', '#FF37C7',
]);

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Colours of one class: its box and label background, and the label text that stays readable on it. */
export interface ClassColours {
  box: string;
  text: '#000000' | '#FFFFFF';
}

export function hexToRgb(hex: string): Rgb {
  const value = Number.parseInt(hex.replace(/^#/, ''), 16);
  return { r: (value >> 16) & 0xff, g: (value >> 8) & 0xff, b: value & 0xff };
}

/** WCAG relative luminance of an sRGB colour (0 black … 1 white). */
export function relativeLuminance({ r, g, b }: Rgb): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** WCAG contrast ratio between two luminances (1 … 21). */
export function contrastRatio(luminanceA: number, luminanceB: number): number {
  const [light, dark] = luminanceA > luminanceB ? [luminanceA, luminanceB] : [luminanceB, luminanceA];
  return (light + 0.05) / (dark + 0.05);
}

/** Black or white, whichever contrasts more with the background. */
export function readableTextColour(background: string): ClassColours['text'] {
  const luminance = relativeLuminance(hexToRgb(background));
  return contrastRatio(luminance, 0) >= contrastRatio(luminance, 1) ? '#000000' : '#FFFFFF';
}

/** A stable index for a class the model's names do not list (FNV-1a of the name). */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** A class's colours: the palette entry of its index in the model's names (as ultralytics does), else of its name's hash. */
export function classColours(className: string, classNames: readonly string[] = COCO_CLASS_NAMES): ClassColours {
  const index = classNames.indexOf(className);
  const box = CLASS_PALETTE[(index >= 0 ? index : hashName(className)) % CLASS_PALETTE.length];
  return { box, text: readableTextColour(box) };
}
