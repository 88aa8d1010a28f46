// Fixed-size i32 tables in static memory: the generator's state is a few hundred integers, so it
// lives outside the garbage-collected heap and is read without bounds checks or write barriers.
@inline
export function get(table: usize, i: i32): i32 {
  return load<i32>(table + (<usize>i << 2));
}

@inline
export function set(table: usize, i: i32, v: i32): void {
  store<i32>(table + (<usize>i << 2), v);
}
