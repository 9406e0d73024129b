/** `doctor`: the consistency audit, and its conditional repairs with --fix. */
import type { Command } from 'commander';
import { auditTable, describeProblem } from '../../admin/doctor.js';
import { auditSafety, describeSafetyProblem } from '../../admin/safety-doctor.js';
import { auditComments, describeCommentProblem } from '../../admin/comment-doctor.js';
import { auditBlobs, describeBlobProblem } from '../../admin/doctor-blobs.js';
import { auditDerived, describeDerivedProblem } from '../../admin/doctor-derived.js';
import { createBlobStore } from '../../blobs/index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { examples } from '../options.js';

export function register(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('doctor')
      .description('scan the table: report counters that disagree with their items, orphaned items and stray derived data (feeds, activity, directory); --fix repairs them')
      .option('--fix', 'repair what the audit finds (conditional writes: a concurrent change is never overwritten)'),
    ['doctor', 'doctor --fix', 'doctor --json'],
  ).action(async (options: { fix?: boolean }) => {
    const db = await ctx.db();
    // Safety repairs first: ending a blocked pair's follow changes what the counters should be.
    const safety = await auditSafety(db.doc, db.table, { fix: options.fix === true });
    const report = await auditTable(db.doc, db.table, { fix: options.fix === true });
    const comments = await auditComments(db.doc, db.table, { fix: options.fix === true });
    // Stored files against the items that reference them (the configured blob store).
    const files = await auditBlobs(db, createBlobStore(ctx.config().blobs), { fix: options.fix === true });
    const filesLeft = options.fix ? files.problems.length - (files.fixed ?? 0) : files.problems.length;
    const remaining = [
      ...(options.fix ? (report.remaining ?? []) : report.problems),
      ...(options.fix ? (safety.remaining ?? []) : safety.problems),
      ...(options.fix ? (comments.remaining ?? []) : comments.problems),
    ];
    // Feeds, activity and the directory, checked against the table just audited.
    const derived = await auditDerived(db, { fix: options.fix === true, settings: ctx.config().derived });
    const missing = derived.missing?.missing ?? [];
    const derivedRemaining = (options.fix ? derived.problems.length - (derived.fixed ?? 0) : derived.problems.length) + (options.fix ? missing.length - (derived.missing?.rebuilt ?? 0) : missing.length) +
      (options.fix ? (derived.tagCountsLeft ?? 0) : (derived.tagCounts?.length ?? 0));
    ctx.print({ ...report, safety, comments, files, derived }, () => [
      ...safety.problems.map(describeSafetyProblem),
      ...(options.fix && safety.problems.length > 0 ? [`Safety: repaired ${safety.fixed ?? 0} of ${safety.problems.length}.`] : []),
      `Scanned ${report.scanned} items: ${report.users} users, ${report.photos} photos, ${report.reactions} reactions, ${report.friendships} friendships.`,
      ...report.problems.map(describeProblem),
      ...comments.problems.map(describeCommentProblem),
      ...(options.fix && comments.problems.length > 0 ? [`Comments: repaired ${comments.fixed ?? 0} of ${comments.problems.length}.`] : []),
      report.problems.length === 0 ? 'No problems found.' : `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found.`,
      ...(options.fix && report.problems.length > 0 ? [`Repaired ${report.fixed ?? 0}; ${remaining.length} remain.`] : []),
      `Stored files: ${files.files}, referenced by items: ${files.referenced}.`,
      ...files.problems.map(describeBlobProblem),
      ...(options.fix && files.problems.length > 0 ? [`Repaired ${files.fixed ?? 0} stored-file problems.`] : []),
      derived.exists
        ? `Derived data: ${derived.feedEntries} feed entries, ${derived.celebrityFollows} followed celebrities, ${derived.activityItems} activity items, ${derived.directoryTokens} directory tokens, ${derived.exploreEntries} explore entries, ${derived.peopleEntries} suggestion-list entries, ${derived.tagEntries} tag entries; ${derived.problems.length} stray, ${derived.tagCounts.length} tag counts off.`
        : 'Derived data: no derived table (created by `table create` or `npm start`).',
      ...derived.problems.map(describeDerivedProblem),
      ...(derived.tagCounts ?? []).map((t) => `tag #${t.tag} counts ${String(t.was ?? 'nothing')}, has ${t.count} entries`),
      ...(options.fix && (derived.tagCountsFixed ?? 0) > 0 ? [`Set ${derived.tagCountsFixed ?? 0} tag counts to their recount.`] : []),
      ...(options.fix && derived.problems.length > 0 ? [`Removed ${derived.fixed ?? 0} stray derived items.`] : []),
      ...missing.map((m) => `missing ${m.view} item ${m.key.PK} / ${m.key.SK}: ${m.reason}`),
      ...(options.fix && missing.length > 0 ? [`Re-derived ${derived.missing?.rebuilt ?? 0} missing derived items from the table.`] : []),
    ]);
    const left = remaining.length + filesLeft + derivedRemaining;
    if (left > 0) {
      throw new CliError(options.fix ? `${left} problems could not be repaired; run doctor again.` : 'run `quick-photos doctor --fix` to repair them.');
    }
  });
}
