// The part of the `qrcode` package that the classroom and its tests use. The package ships no
// types, and one declaration of these two functions is lighter than another dependency.
declare module 'qrcode' {
  /** A QR code's modules: `size` × `size` of them, row by row, 1 for a dark one. */
  interface QRCodeSymbol {
    modules: { size: number; data: Uint8Array };
  }
  /** Options of `toString`; `terminal` draws the code with block characters and colours. */
  interface ToStringOptions {
    type?: 'terminal' | 'utf8' | 'svg';
    /** Two rows of modules per line of text. */
    small?: boolean;
  }
  /** Encodes `text`. */
  function create(text: string): QRCodeSymbol;
  /** Draws the QR code of `text` as text. */
  function toString(text: string, options?: ToStringOptions): Promise<string>;
  const QRCode: { create: typeof create; toString: typeof toString };
  export default QRCode;
  export { create, toString };
}
