// A growable array of plain numbers that is reused from call to call: the verifier clears it
// instead of allocating, so steady-state verification never allocates (and never runs the GC).
// Accessors are inlined with their own bounds check (against the length, not the capacity): an
// index out of range is a bug and stops with a trap rather than reading stale data.
export class Vec<T> {
  data: StaticArray<T>;
  length: i32 = 0;

  constructor(capacity: i32) {
    this.data = new StaticArray<T>(max(capacity, 16));
  }

  @inline clear(): void {
    this.length = 0;
  }

  @inline push(v: T): void {
    const n = this.length;
    if (n == this.data.length) this.grow(n + 1);
    unchecked((this.data[n] = v));
    this.length = n + 1;
  }

  @inline get(i: i32): T {
    if (<u32>i >= <u32>this.length) unreachable();
    return unchecked(this.data[i]);
  }

  @inline set(i: i32, v: T): void {
    if (<u32>i >= <u32>this.length) unreachable();
    unchecked((this.data[i] = v));
  }

  private grow(n: i32): void {
    let cap = this.data.length;
    while (cap < n) cap <<= 1;
    const next = new StaticArray<T>(cap);
    memory.copy(changetype<usize>(next), changetype<usize>(this.data), (<usize>this.length) << alignof<T>());
    this.data = next;
  }
}
