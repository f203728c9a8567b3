// Where the label tabs of detected boxes go on a canvas, so that none covers another (live mode at phone width).

/**
 * `labels`: one per box, most confident first: { left, top, bottom, width, height } in canvas pixels (the box's left,
 * top and bottom edges, the tab's size). Each tab goes above its box's top-left corner, else just inside it, else
 * lower down inside the box; a tab that finds no free place there is left out (its box is still drawn). Returns one
 * { x, y } or null per label, in the same order. `canvasWidth` keeps tabs on the canvas.
 */
export function placeLabels(labels, canvasWidth) {
  const placed = [];
  return labels.map(({ left, top, bottom, width, height }) => {
    const x = Math.max(0, Math.min(left, canvasWidth - width));
    const candidates = [top - height];
    for (let y = top; y + height <= Math.max(bottom, top + height); y += height) candidates.push(y);
    const y = candidates.find((candidate) => candidate >= 0 && !placed.some((other) => overlaps({ x, y: candidate, width, height }, other)));
    if (y === undefined) return null;
    const spot = { x, y, width, height };
    placed.push(spot);
    return { x, y };
  });
}

const overlaps = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
