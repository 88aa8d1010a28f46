import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../../ts/ckpt/safetensors.js';
import { randomArray, rng, testSeed } from '../util/random.js';

const rand = rng(testSeed());

function raw(header: object, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips f32 tensors and metadata; data starts 8-byte aligned', () => {
    const a = randomArray(12, rand),
      b = randomArray(5, rand);
    const bytes = encodeSafetensors(
      [
        ['a', { shape: [3, 4], data: a }],
        ['b.c', { shape: [5], data: b }],
      ],
      { format: 'pt' },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const d = decodeSafetensors(bytes);
    expect(d.metadata).toEqual({ format: 'pt' });
    expect(d.tensors.get('a')!.shape).toEqual([3, 4]);
    expect(Array.from(d.tensors.get('a')!.data)).toEqual(Array.from(a));
    expect(Array.from(d.tensors.get('b.c')!.data)).toEqual(Array.from(b));
  });

  it('reads BF16 and F16 into f32', () => {
    // 1.5, -2, 0.333984375 in bf16; 1.5, -2, 65504, 2^-24 in f16
    const bf = new Uint16Array([0x3fc0, 0xc000, 0x3eab]);
    const f16 = new Uint16Array([0x3e00, 0xc000, 0x7bff, 0x0001]);
    const data = new Uint8Array([...new Uint8Array(bf.buffer), ...new Uint8Array(f16.buffer)]);
    const d = decodeSafetensors(
      raw(
        {
          x: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] },
          y: { dtype: 'F16', shape: [4], data_offsets: [6, 14] },
        },
        data,
      ),
    );
    expect(Array.from(d.tensors.get('x')!.data)).toEqual([1.5, -2, 0.333984375]);
    expect(Array.from(d.tensors.get('y')!.data)).toEqual([1.5, -2, 65504, 2 ** -24]);
  });

  it('refuses truncated, malformed and inconsistent files with the reason', () => {
    const good = encodeSafetensors([['w', { shape: [4, 4], data: randomArray(16, rand) }]]);
    expect(() => decodeSafetensors(good.subarray(0, 5), 'm.safetensors')).toThrow(/m\.safetensors .*truncated/);
    expect(() => decodeSafetensors(good.subarray(0, good.length - 3))).toThrow(/past the data .*truncated/);
    expect(() => decodeSafetensors(good.subarray(0, 20))).toThrow(/header says/);
    const badJson = good.slice();
    badJson[9] = 0x7b; // '{{...'
    expect(() => decodeSafetensors(badJson)).toThrow(/header is not JSON/);
    const f4 = new Uint8Array(16);
    expect(() => decodeSafetensors(raw({ w: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, f4))).toThrow(
      /unsupported dtype "I64"/,
    );
    expect(() => decodeSafetensors(raw({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, f4))).toThrow(
      /needs 12/,
    );
    expect(() =>
      decodeSafetensors(
        raw(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          f4,
        ),
      ),
    ).toThrow(/overlap/);
    expect(() => decodeSafetensors(raw({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f4))).toThrow(
      /bad shape/,
    );
  });
});
