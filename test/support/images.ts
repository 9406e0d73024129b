/** Images made with sharp at test time (no binary fixtures in the repository). */
import sharp from 'sharp';

/** A JPEG carrying GPS tags, a camera make, a copyright and EXIF orientation 6 (rotate 90° to display). */
export async function jpegWithGps(width = 60, height = 40): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#c03020' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'SecretPhoneMaker', Copyright: 'Private Person' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 300/100' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/**
 * A JPEG of one colour: for tests of what happens to files (who owns them, what the audit
 * finds), where the content does not matter. Processing it costs a quarter of what the noisy
 * one's does (its encoders have no detail to keep).
 */
export const plainJpeg = (width: number, height: number, background = '#808080'): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background } }).jpeg({ quality: 85 }).toBuffer();

/** A noisy photo-like JPEG (noise keeps encoders honest about size and time). */
export async function photoJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer();
}

export const pngOf = (width: number, height: number, background = '#2080c0'): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 4, background } }).png().toBuffer();

/** A HEIC container (brand `heic`, an HEVC image item) whose stream is AV1, not HEVC: built from an AVIF by renaming its boxes. Real HEIC fixtures are in test/fixtures/heic/. */
export async function heicLike(): Promise<Buffer> {
  const avif = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#00a000' } }).avif().toBuffer();
  let text = avif.toString('latin1');
  for (const [from, to] of [['avif', 'heic'], ['av01', 'hvc1'], ['av1C', 'hvcC']] as const) text = text.split(from).join(to);
  return Buffer.from(text, 'latin1');
}

/** TIFF tag 0x8825 (GPSInfo IFD pointer) in little-endian order, as sharp writes EXIF. */
export const GPS_POINTER = Buffer.from([0x25, 0x88]);

/** True when the bytes carry an EXIF block with a GPS IFD, or the identifying strings. */
export async function carriesPrivateMetadata(bytes: Buffer): Promise<boolean> {
  const meta = await sharp(bytes).metadata();
  const exif = meta.exif;
  return (
    (exif !== undefined && exif.includes(GPS_POINTER)) ||
    meta.xmp !== undefined ||
    meta.iptc !== undefined ||
    bytes.includes('SecretPhoneMaker') ||
    bytes.includes('Private Person')
  );
}
