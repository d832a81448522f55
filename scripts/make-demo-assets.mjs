// Regenerates the demo's sample images (committed under scripts/assets/): a
// synthetic person-like figure (JPEG, 640×800, 4:5) and a patterned shirt on a
// white studio background (PNG, 512×512). Drawn pixel by pixel: no network, no
// photos of real people. `node scripts/make-demo-assets.mjs`
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import encodeJpeg, { init as initJpegEnc } from "@jsquash/jpeg/encode.js";

const outDir = fileURLToPath(new URL("./assets/", import.meta.url));

function canvas(width, height, fn) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = fn(x, y);
      const i = (y * width + x) * 4;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}

const inEllipse = (x, y, cx, cy, rx, ry) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
/** Cheap deterministic noise so the "photo" is not flat (JPEG-friendly, like sensor grain). */
const grain = (x, y) => (((x * 73856093) ^ (y * 19349663)) % 7) - 3;

/** A standing figure: wall + floor, head, neck, grey top, arms, jeans, shoes. */
function person(w, h) {
  const skin = [224, 182, 150];
  const hair = [60, 40, 30];
  const top = [120, 124, 130];
  const jeans = [52, 78, 128];
  return canvas(w, h, (x, y) => {
    const u = x / w;
    const v = y / h;
    let c;
    if (v > 0.9)
      c = mix([170, 150, 120], [140, 120, 95], (v - 0.9) / 0.1); // floor
    else c = mix([214, 222, 230], [188, 198, 210], v); // wall
    const cx = 0.5;
    if (inEllipse(u, v, cx, 0.12, 0.075, 0.075)) c = hair;
    if (inEllipse(u, v, cx, 0.14, 0.062, 0.07)) c = skin;
    if (Math.abs(u - cx) < 0.03 && v > 0.2 && v < 0.25) c = skin; // neck
    const shoulder = 0.16;
    if (v >= 0.24 && v < 0.58 && Math.abs(u - cx) < shoulder - Math.max(0, v - 0.45) * 0.2) c = top;
    // arms: slightly angled, sleeves then skin
    for (const side of [-1, 1]) {
      const ax = cx + side * (shoulder + 0.03 + (v - 0.25) * 0.12);
      if (v >= 0.25 && v < 0.62 && Math.abs(u - ax) < 0.035) c = v < 0.36 ? top : skin;
      if (inEllipse(u, v, ax, 0.635, 0.032, 0.025)) c = skin; // hand
    }
    // legs
    for (const side of [-1, 1]) {
      const lx = cx + side * 0.065;
      if (v >= 0.56 && v < 0.88 && Math.abs(u - lx) < 0.058) c = jeans;
      if (v >= 0.88 && v < 0.91 && Math.abs(u - (lx + side * 0.01)) < 0.07) c = [40, 36, 34]; // shoes
    }
    if (v >= 0.56 && v < 0.62 && Math.abs(u - cx) < 0.12) c = jeans; // hips
    const g = grain(x, y);
    return [c[0] + g, c[1] + g, c[2] + g];
  });
}

/** A T-shirt silhouette with navy/mustard stripes and a red chest pocket, on near-white. */
function shirt(w, h) {
  return canvas(w, h, (x, y) => {
    const u = x / w;
    const v = y / h;
    const bg = [248, 248, 246];
    const body = Math.abs(u - 0.5) < 0.27 && v > 0.18 && v < 0.92;
    const sleeve = v > 0.18 && v < 0.42 && Math.abs(u - 0.5) >= 0.27 && Math.abs(u - 0.5) < 0.27 + 0.2 * (1 - (v - 0.18) / 0.3) && Math.abs(u - 0.5) < 0.45;
    const neck = inEllipse(u, v, 0.5, 0.18, 0.1, 0.06);
    if (!(body || sleeve) || neck) return bg;
    if (u > 0.58 && u < 0.68 && v > 0.3 && v < 0.4) return [190, 40, 45]; // pocket
    const stripe = Math.floor(v * 28) % 2 === 0;
    return stripe ? [30, 50, 110] : [214, 160, 48];
  });
}

// ---- PNG (RGB, filter 0), hand-built: zlib + CRC from node core ----
const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(img) {
  const raw = Buffer.alloc(img.height * (1 + img.width * 3));
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const s = (y * img.width + x) * 4;
      const d = y * (1 + img.width * 3) + 1 + x * 3;
      raw[d] = img.data[s];
      raw[d + 1] = img.data[s + 1];
      raw[d + 2] = img.data[s + 2];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const wasm = readFileSync(fileURLToPath(new URL("../node_modules/@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm", import.meta.url)));
await initJpegEnc(await WebAssembly.compile(wasm));
mkdirSync(outDir, { recursive: true });
const personJpeg = new Uint8Array(await encodeJpeg(person(640, 800), { quality: 82 }));
writeFileSync(`${outDir}person.jpg`, personJpeg);
const garment = png(shirt(512, 512));
writeFileSync(`${outDir}garment.png`, garment);
console.log(`wrote ${outDir}person.jpg (${personJpeg.length} B) and ${outDir}garment.png (${garment.length} B)`);
