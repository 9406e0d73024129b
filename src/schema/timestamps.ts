/**
 * The canonical timestamp the product writes: UTC `YYYY-MM-DDTHH:MM:SS.ffffff`. It extends the
 * data's `YYYY-MM-DDTHH:MM:SS` (and matches the lab's write scripts' microsecond form), so
 * photo sort keys of both formats interleave in true chronological order: a shorter string
 * that is a prefix sorts first, exactly as `.000000` would.
 */

export function canonicalTimestamp(date: Date = new Date(), micros = 0): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const millis = date.getUTCMilliseconds();
  const fraction = String(millis * 1000 + (micros % 1000)).padStart(6, '0');
  return `${iso.slice(0, 19)}.${fraction}`;
}

/** A fresh timestamp whose sub-millisecond digits are random: two writers rarely collide. */
export function uniqueTimestamp(date: Date = new Date()): string {
  return canonicalTimestamp(date, Math.floor(Math.random() * 1000));
}

/** The next representable timestamp after `ts`: the retry when a conditional write collides. */
export function nextTimestamp(ts: string): string {
  const whole = ts.slice(0, 19);
  const fraction = ts.length > 20 ? ts.slice(20).padEnd(6, '0') : '000000';
  const micro = Number(fraction) + 1;
  if (micro < 1_000_000) return `${whole}.${String(micro).padStart(6, '0')}`;
  const next = new Date(Date.parse(`${whole}Z`) + 1000);
  return canonicalTimestamp(next, 0).slice(0, 19) + '.000000';
}
