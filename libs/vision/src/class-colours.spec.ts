import { CLASS_PALETTE, classColours, contrastRatio, hexToRgb, readableTextColour, relativeLuminance } from './class-colours';
import { COCO_CLASS_NAMES } from './coco-names';

describe('class colours', () => {
  it('gives the palette entry of the class index, so neighbouring COCO classes differ', () => {
    expect(classColours('person').box).toBe(CLASS_PALETTE[0]);
    expect(classColours('bus').box).toBe(CLASS_PALETTE[5]);
    expect(classColours('tie').box).toBe(CLASS_PALETTE[27 % CLASS_PALETTE.length]);
    const firstTwenty = COCO_CLASS_NAMES.slice(0, CLASS_PALETTE.length).map((name) => classColours(name).box);
    expect(new Set(firstTwenty).size).toBe(CLASS_PALETTE.length);
  });

  it("follows the model's own class list when it has one", () => {
    expect(classColours('widget', ['gadget', 'widget']).box).toBe(CLASS_PALETTE[1]);
  });

  it('gives an unknown class a stable palette colour', () => {
    const colour = classColours('not-a-coco-class');
    expect(CLASS_PALETTE).toContain(colour.box);
    expect(classColours('not-a-coco-class')).toEqual(colour);
  });

  it('picks label text with at least 4.5:1 contrast (WCAG AA) on every palette colour', () => {
    for (const background of CLASS_PALETTE) {
      const text = readableTextColour(background);
      const ratio = contrastRatio(relativeLuminance(hexToRgb(background)), relativeLuminance(hexToRgb(text)));
      expect(ratio).toBeGreaterThanOrEqual(4.5);
    }
    expect(readableTextColour('#FFFF00')).toBe('#000000');
    expect(readableTextColour('#0018EC')).toBe('#FFFFFF');
  });

  it('computes WCAG luminance and contrast', () => {
    expect(relativeLuminance(hexToRgb('#FFFFFF'))).toBeCloseTo(1, 10);
    expect(relativeLuminance(hexToRgb('#000000'))).toBe(0);
    expect(contrastRatio(1, 0)).toBeCloseTo(21, 10);
    expect(hexToRgb('#FF701F')).toEqual({ r: 255, g: 112, b: 31 });
  });
});
