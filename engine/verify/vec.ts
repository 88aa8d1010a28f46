// A growable array of plain numbers that is reused from call to call: the verifier clears it
// instead of allocating, so steady-state verification never allocates (and never runs the GC).
export class Vec<T> {
  data: StaticArray<T>;
  length: i32 = 0;

  constructor(capacity: i32) {
    this.data = new StaticArray<T>(max(capacity, 16));
  }

  @inline clear(): void {
    this.length = 0;
  }

  push(v: T): void {
    if (this.length == this.data.length) this.grow(this.length + 1);
    unchecked((this.data[this.length++] = v));
  }

  /** Makes room for `n` elements in total without changing the length. */
  reserve(n: i32): void {
    if (n > this.data.length) this.grow(n);
  }

  @inline get(i: i32): T {
    return this.data[i];
  }

  @inline set(i: i32, v: T): void {
    this.data[i] = v;
  }

  @inline last(): T {
    return this.data[this.length - 1];
  }

  private grow(n: i32): void {
    let cap = this.data.length;
    while (cap < n) cap <<= 1;
    const next = new StaticArray<T>(cap);
    memory.copy(changetype<usize>(next), changetype<usize>(this.data), (<usize>this.length) << alignof<T>());
    this.data = next;
  }
}
