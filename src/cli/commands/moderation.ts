/** Moderation: `reports` (list, resolve), `takedown`, `suspend`, `unsuspend`. */
import { InvalidArgumentError, type Command } from 'commander';
import { createBlobStore, deletePhotoFiles } from '../../blobs/index.js';
import { listReports, photoBytes, releaseStorage, REPORT_STATES, resolveReport, suspendUser, takeDownPhoto, unsuspendUser, type Report, type ReportState } from '../../patterns/index.js';
import { parsePhotoId } from '../../schema/ids.js';
import type { CliContext } from '../context.js';
import { examples, paged, pageRequest, type PageOptions } from '../options.js';

function state(value: string): ReportState {
  if (!(REPORT_STATES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${REPORT_STATES.join(', ')}.`);
  return value as ReportState;
}

const formatReport = (r: Report) =>
  `${r.createdAt}  ${r.state.padEnd(8)} ${r.target}  by ${r.reporter}: ${r.reason}${r.text ? ` "${r.text}"` : ''}${r.resolution ? `  -> ${r.resolution}` : ''}`;

export function register(program: Command, ctx: CliContext): void {
  const reports = program.command('reports').description('user reports for moderators: list (oldest first) and resolve');
  examples(
    paged(reports.command('list', { isDefault: true }).description('reports in one state, oldest first').option('--state <state>', `one of ${REPORT_STATES.join(', ')}`, state, 'open')),
    ['reports', 'reports list --state resolved --json'],
  ).action(async (options: PageOptions & { state: ReportState }) => {
    ctx.printPage(await listReports(await ctx.db(), options.state, pageRequest(options)), formatReport);
  });
  examples(
    reports
      .command('resolve')
      .description('close an open report')
      .argument('<target>', 'as listed: user:<name> or photo:<photoId>')
      .argument('<reporter>')
      .requiredOption('--note <text>', 'what was done (kept with the report)'),
    ['reports resolve user:spammer1 alice --note "suspended"'],
  ).action(async (target: string, reporter: string, options: { note: string }) => {
    const report = await resolveReport(await ctx.db(), target, reporter, options.note);
    ctx.print(report, () => [`Resolved the report by ${reporter} on ${target}`]);
  });

  examples(
    program
      .command('takedown')
      .description('take a photo down: deleted with its reactions (as deletePhoto does), and its owner gets a notice with the reason')
      .argument('<photoId>')
      .requiredOption('--reason <text>', 'shown to the owner (1-500 characters)'),
    ['takedown ZGF2aWQyNS8yMDE5LTAzLTAyVDA5OjExOjMw --reason "nudity"'],
  ).action(async (id: string, options: { reason: string }) => {
    const ref = parsePhotoId(id);
    if (!ref) throw new InvalidArgumentError(`${id} is not a photo id.`);
    const { notice, photo } = await takeDownPhoto(await ctx.db(), ref.username, ref.timestamp, options.reason);
    // The item is gone; its own files (every variant, never another photo's) follow. A file left behind is doctor's.
    await deletePhotoFiles(createBlobStore(ctx.config().blobs), photo).catch((error: unknown) => ctx.warn(`image files not removed (${photo.location}): ${String(error)}`));
    // The owner's quota no longer carries the photo (as the owner's own delete does).
    await releaseStorage(await ctx.db(), ref.username, photoBytes(photo));
    ctx.print(notice, () => [`Took down photo ${id} of ${ref.username}: ${options.reason}`]);
  });

  examples(
    program.command('suspend').description('suspend an account: log-in and writes refused, profile hidden').argument('<username>').requiredOption('--reason <text>'),
    ['suspend spammer1 --reason "spam"'],
  ).action(async (username: string, options: { reason: string }) => {
    const result = await suspendUser(await ctx.db(), username, options.reason);
    ctx.print(result, () => [`Suspended ${username}: ${options.reason}`]);
  });

  examples(program.command('unsuspend').description('lift a suspension').argument('<username>'), ['unsuspend spammer1']).action(async (username: string) => {
    await unsuspendUser(await ctx.db(), username);
    ctx.print({ unsuspended: username }, () => [`Unsuspended ${username}`]);
  });
}
