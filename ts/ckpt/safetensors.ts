// The safetensors format: u64 little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the raw little-endian data. We write F32; we read F32, F16 and BF16
// (checkpoints made elsewhere are often half precision) into f32. Anything malformed is refused
// with a message that says what is wrong, never half-read.
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

export function encodeSafetensors(
  tensors: Map<string, Tensor> | [string, Tensor][],
  metadata: Record<string, string> = {},
): Uint8Array {
  const entries = [...tensors];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new Error(`tensor '${name}': shape [${t.shape}] has ${n} elements but data has ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // data starts 8-byte aligned
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

export interface Decoded {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export function decodeSafetensors(bytes: Uint8Array, what = 'safetensors file'): Decoded {
  const fail = (why: string): never => {
    throw new Error(`${what} is not a valid safetensors file: ${why}; restore or re-export it`);
  };
  if (bytes.length < 8) fail(`only ${bytes.length} bytes (truncated?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8)
    fail(`header says ${headerLen} bytes but the file has ${bytes.length - 8} after the length (truncated?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    return fail(`header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors = new Map<string, Tensor>();
  const ranges: [number, number, string][] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const {
      dtype,
      shape,
      data_offsets: off,
    } = (info ?? {}) as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    const width = dtype ? DTYPE_BYTES[dtype] : undefined;
    if (!width) fail(`tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)} (F32, F16, BF16 are read)`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor '${name}' has a bad shape ${JSON.stringify(shape)}`);
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((o) => Number.isInteger(o) && o >= 0) ||
      off[0] > off[1]
    ) {
      fail(`tensor '${name}' has bad data_offsets ${JSON.stringify(off)}`);
    }
    const n = shape!.reduce((a, b) => a * b, 1);
    if (off![1] - off![0] !== n * width!)
      fail(`tensor '${name}' spans ${off![1] - off![0]} bytes but ${dtype} [${shape}] needs ${n * width!}`);
    if (off![1] > dataLen)
      fail(`tensor '${name}' ends at byte ${off![1]} past the data (${dataLen} bytes; truncated?)`);
    ranges.push([off![0], off![1], name]);
    tensors.set(name, { shape: shape!, data: toF32(bytes.subarray(dataStart + off![0], dataStart + off![1]), dtype!) });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++)
    if (ranges[i][0] < ranges[i - 1][1]) fail(`tensors '${ranges[i - 1][2]}' and '${ranges[i][2]}' overlap`);
  return { tensors, metadata };
}

function toF32(raw: Uint8Array, dtype: string): Float32Array {
  const copy = new Uint8Array(raw); // a copy: aligned, and detached from the file's (possibly pooled) buffer
  if (dtype === 'F32') return new Float32Array(copy.buffer);
  const half = new Uint16Array(copy.buffer);
  const out = new Float32Array(half.length);
  if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < half.length; i++) bits[i] = half[i] << 16;
  } else {
    for (let i = 0; i < half.length; i++) out[i] = f16ToF32(half[i]);
  }
  return out;
}

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
