/**
 * Reads back a QR code that `qrcode` drew in a terminal (`type: 'terminal', small: true`): each
 * character holds two rows of modules (`█` both dark, `▀` the upper, `▄` the lower), inside a
 * light margin of one module. The tests compare what was printed with the symbol of the URL it
 * should encode, module by module.
 */

// Colour escapes around each line; the characters alone carry the modules.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The dark modules of a QR code drawn in a terminal, as rows of booleans, margin removed. */
export function modulesFromTerminal(drawing: string, size: number): boolean[][] {
  const lines = drawing
    .split('\n')
    .map((line) => line.replace(ANSI, ''))
    .filter((line) => line.length > 0);
  const padded: boolean[][] = [];
  for (const line of lines) {
    const upper: boolean[] = [];
    const lower: boolean[] = [];
    for (const char of line) {
      upper.push(char === '█' || char === '▀');
      lower.push(char === '█' || char === '▄');
    }
    padded.push(upper, lower);
  }
  return padded.slice(1, size + 1).map((row) => row.slice(1, size + 1));
}

/** The dark modules of a symbol from `QRCode.create`, as rows of booleans. */
export function modulesOfSymbol(modules: { size: number; data: Uint8Array }): boolean[][] {
  const rows: boolean[][] = [];
  for (let y = 0; y < modules.size; y += 1) {
    rows.push([...modules.data.slice(y * modules.size, (y + 1) * modules.size)].map(Boolean));
  }
  return rows;
}
