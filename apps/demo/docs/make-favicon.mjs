// Draws the demo's favicon (a white bell on a blue rounded square) and writes public/favicon.ico:
// an ICO with 16x16 and 32x32 32-bit BMP images, anti-aliased by 4x4 supersampling. No binary is
// downloaded or checked in by hand: `node docs/make-favicon.mjs` in apps/demo makes it again.
import { writeFileSync } from 'node:fs'

const BLUE = [0x1d, 0x4e, 0xd8]
const WHITE = [0xff, 0xff, 0xff]

const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r

/** The colour at (x, y) in the unit square, or null outside the icon. */
function shade(x, y) {
  const r = 0.2
  const cx = Math.min(Math.max(x, r), 1 - r)
  const cy = Math.min(Math.max(y, r), 1 - r)
  if (!inCircle(x, y, cx, cy, r)) return null
  const bell =
    (y <= 0.46 && inCircle(x, y, 0.5, 0.46, 0.22)) ||
    (y >= 0.46 && y <= 0.68 && x >= 0.28 && x <= 0.72) ||
    (y >= 0.66 && y <= 0.72 && x >= 0.2 && x <= 0.8) ||
    inCircle(x, y, 0.5, 0.78, 0.07) ||
    inCircle(x, y, 0.5, 0.22, 0.05)
  return bell ? WHITE : BLUE
}

/** A BMP image as an ICO entry wants it: header, BGRA rows bottom-up, then the AND mask. */
function bitmap(size) {
  const samples = 4
  const pixels = Buffer.alloc(size * size * 4)
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      let red = 0
      let green = 0
      let blue = 0
      let covered = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = shade((col + (sx + 0.5) / samples) / size, (row + (sy + 0.5) / samples) / size)
          if (!colour) continue
          red += colour[0]
          green += colour[1]
          blue += colour[2]
          covered++
        }
      }
      const at = ((size - 1 - row) * size + col) * 4
      if (covered > 0) {
        pixels[at] = Math.round(blue / covered)
        pixels[at + 1] = Math.round(green / covered)
        pixels[at + 2] = Math.round(red / covered)
      }
      pixels[at + 3] = Math.round((255 * covered) / samples ** 2)
    }
  }
  const header = Buffer.alloc(40)
  header.writeUInt32LE(40, 0)
  header.writeInt32LE(size, 4)
  header.writeInt32LE(size * 2, 8) // XOR image plus AND mask
  header.writeUInt16LE(1, 12)
  header.writeUInt16LE(32, 14)
  const maskRow = Math.ceil(size / 32) * 4
  // All zero: the alpha channel decides; the mask only matters to very old readers.
  const mask = Buffer.alloc(maskRow * size)
  return Buffer.concat([header, pixels, mask])
}

const sizes = [16, 32]
const images = sizes.map(bitmap)
const directory = Buffer.alloc(6 + 16 * sizes.length)
directory.writeUInt16LE(0, 0)
directory.writeUInt16LE(1, 2) // icon
directory.writeUInt16LE(sizes.length, 4)
let offset = directory.length
sizes.forEach((size, i) => {
  const entry = 6 + 16 * i
  directory.writeUInt8(size, entry)
  directory.writeUInt8(size, entry + 1)
  directory.writeUInt16LE(1, entry + 4)
  directory.writeUInt16LE(32, entry + 6)
  directory.writeUInt32LE(images[i].length, entry + 8)
  directory.writeUInt32LE(offset, entry + 12)
  offset += images[i].length
})
const target = new URL('../public/favicon.ico', import.meta.url)
writeFileSync(target, Buffer.concat([directory, ...images]))
console.log(`wrote public/favicon.ico (${offset} bytes)`)
