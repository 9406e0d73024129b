/** `doctor`: the consistency audit, and its conditional repairs with --fix. */
import type { Command } from 'commander';
import { auditTable, describeProblem } from '../../admin/doctor.js';
import { auditSafety, describeSafetyProblem } from '../../admin/safety-doctor.js';
import { auditBlobs, describeBlobProblem } from '../../admin/doctor-blobs.js';
import { createBlobStore } from '../../blobs/index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { examples } from '../options.js';

export function register(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('doctor')
      .description('scan the table: report counters that disagree with their items and orphaned items; --fix repairs them')
      .option('--fix', 'repair what the audit finds (conditional writes: a concurrent change is never overwritten)'),
    ['doctor', 'doctor --fix', 'doctor --json'],
  ).action(async (options: { fix?: boolean }) => {
    const db = await ctx.db();
    // Safety repairs first: ending a blocked pair's follow changes what the counters should be.
    const safety = await auditSafety(db.doc, db.table, { fix: options.fix === true });
    const report = await auditTable(db.doc, db.table, { fix: options.fix === true });
    // Stored files against the items that reference them (the configured blob store).
    const files = await auditBlobs(db, createBlobStore(ctx.config().blobs), { fix: options.fix === true });
    const filesLeft = options.fix ? files.problems.length - (files.fixed ?? 0) : files.problems.length;
    const remaining = [...(options.fix ? (report.remaining ?? []) : report.problems), ...(options.fix ? (safety.remaining ?? []) : safety.problems)];
    ctx.print({ ...report, safety, files }, () => [
      ...safety.problems.map(describeSafetyProblem),
      ...(options.fix && safety.problems.length > 0 ? [`Safety: repaired ${safety.fixed ?? 0} of ${safety.problems.length}.`] : []),
      `Scanned ${report.scanned} items: ${report.users} users, ${report.photos} photos, ${report.reactions} reactions, ${report.friendships} friendships.`,
      ...report.problems.map(describeProblem),
      report.problems.length === 0 ? 'No problems found.' : `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found.`,
      ...(options.fix && report.problems.length > 0 ? [`Repaired ${report.fixed ?? 0}; ${remaining.length} remain.`] : []),
      `Stored files: ${files.files}, referenced by items: ${files.referenced}.`,
      ...files.problems.map(describeBlobProblem),
      ...(options.fix && files.problems.length > 0 ? [`Repaired ${files.fixed ?? 0} stored-file problems.`] : []),
    ]);
    if (filesLeft > 0 && remaining.length === 0) {
      throw new CliError(options.fix ? `${filesLeft} stored-file problems could not be repaired; run doctor again.` : 'run `quick-photos doctor --fix` to repair them.');
    }
    if (remaining.length > 0) {
      throw new CliError(options.fix ? `${remaining.length} problems could not be repaired; run doctor again.` : 'run `quick-photos doctor --fix` to repair them.');
    }
  });
}
