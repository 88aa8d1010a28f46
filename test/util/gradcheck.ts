// Central finite differences, the yardstick for every backward: d loss / d a[i] ≈ (f(a+h) - f(a-h)) / 2h.
export function centralDifference(loss: () => number, a: { [i: number]: number }, i: number, h: number): number {
  const v = a[i];
  a[i] = v + h;
  const up = loss();
  a[i] = v - h;
  const down = loss();
  a[i] = v;
  return (up - down) / (2 * h);
}
