/**
 * How big the heavy proofs run. Each proof needs its sizes only past the bounds it proves
 * (a transaction's 100 items, a batch's 25, a page, a kill landing mid-way); the quick size
 * clears those bounds several times over and is what `npm test` runs. `npm run test:proofs`
 * runs the same files at full size (PROOF_SCALE=full) for a release or after touching the jobs.
 */
export const FULL_PROOFS = process.env.PROOF_SCALE === 'full';

/** The quick size in `npm test`, the full one under PROOF_SCALE=full. */
export function proofSize(quick: number, full: number): number {
  return FULL_PROOFS ? full : quick;
}
