// A zip archive of whole files, stored (not compressed): what a page hands out when it saves a
// folder (a checkpoint) as one download. Weights barely compress, so storing costs little and
// keeps this a few lines; any unzip reads it (PKWARE APPNOTE 6.3: local headers, central
// directory, end record; no zip64, so under 4 GiB).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3), as zip records it. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** MS-DOS time and date words of `d` (local time, 2-second resolution, years 1980-2107). */
function dosTime(d: Date): [number, number] {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  const time = (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1);
  return [time, ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate()];
}

/** A zip of `files` (path inside the archive, '/'-separated -> bytes), every file stamped `date`. */
export function zipStore(files: [string, Uint8Array][], date = new Date()): Uint8Array {
  const enc = new TextEncoder();
  const [time, day] = dosTime(date);
  const local: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [path, data] of files) {
    const name = enc.encode(path);
    const crc = crc32(data);
    // The fields local and central headers share, from "version needed" to "extra field length".
    const common = (v: DataView, at: number) => {
      v.setUint16(at, 20, true); // version needed: 2.0
      v.setUint16(at + 2, 0x0800, true); // flags: names are UTF-8
      v.setUint16(at + 4, 0, true); // method: stored
      v.setUint16(at + 6, time, true);
      v.setUint16(at + 8, day, true);
      v.setUint32(at + 10, crc, true);
      v.setUint32(at + 14, data.length, true); // compressed size
      v.setUint32(at + 18, data.length, true);
      v.setUint16(at + 22, name.length, true);
      v.setUint16(at + 24, 0, true); // extra field length
    };
    const head = new Uint8Array(30 + name.length);
    const lv = new DataView(head.buffer);
    lv.setUint32(0, 0x04034b50, true);
    common(lv, 4);
    head.set(name, 30);
    const entry = new Uint8Array(46 + name.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // version made by: 2.0, MS-DOS attributes
    common(cv, 6);
    // comment length, disk, internal and external attributes: 0
    cv.setUint32(42, offset, true);
    entry.set(name, 46);
    local.push(head, data);
    central.push(entry);
    offset += head.length + data.length;
  }
  const size = central.reduce((s, e) => s + e.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true); // entries on this disk
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, size, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + size + end.length);
  let at = 0;
  for (const part of [...local, ...central, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
