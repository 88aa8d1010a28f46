// Packs a uniform block of 32-bit fields (u32 / i32 / f32) in declaration order.
export class Params {
  private readonly buffer: ArrayBuffer;
  private readonly view: DataView;
  private n = 0;
  constructor(words: number) {
    this.buffer = new ArrayBuffer(words * 4);
    this.view = new DataView(this.buffer);
  }
  u32(v: number): this {
    this.view.setUint32(4 * this.n++, v, true);
    return this;
  }
  i32(v: number): this {
    this.view.setInt32(4 * this.n++, v, true);
    return this;
  }
  f32(v: number): this {
    this.view.setFloat32(4 * this.n++, v, true);
    return this;
  }
  /** Skips a padding word. */
  pad(): this {
    this.n++;
    return this;
  }
  get words(): Uint32Array<ArrayBuffer> {
    return new Uint32Array(this.buffer);
  }
}
