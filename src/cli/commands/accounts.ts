/** Accounts: `accounts show|delete|finish-deletions`, and the development `mail outbox`. */
import type { Command } from 'commander';
import { createBlobStore } from '../../blobs/index.js';
import { deletePhotoFiles, deleteUserFiles, discardUpload } from '../../blobs/index.js';
import { readOutbox } from '../../mail/index.js';
import { finishDeletion, getUser, listPendingDeletions, resumeDeletions, startAccountDeletion, type Db, type DeletionOptions } from '../../patterns/index.js';
import { deleteDerivedOf } from '../../derived/store/index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { examples, integer } from '../options.js';

function deletionOptions(ctx: CliContext, db: Db, maxSteps: number | undefined): DeletionOptions {
  const blobs = createBlobStore(ctx.config().blobs);
  let steps = 0;
  return {
    deleteFiles: (photo) => deletePhotoFiles(blobs, photo),
    deleteUserFiles: (user) => deleteUserFiles(blobs, user),
    discardUpload: (upload) => discardUpload(blobs, upload),
    deleteDerived: (name) => deleteDerivedOf(db, name),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    onStep: () => {
      steps++;
      if (ctx.io.stderr.isTTY && steps % 20 === 0) ctx.warn(`  ${steps} steps`);
    },
  };
}

export function register(program: Command, ctx: CliContext): void {
  const accounts = program.command('accounts').description('account lifecycle: inspect, delete, finish interrupted deletions');

  examples(accounts.command('show').description("an account's private profile and its deletion state").argument('<username>'), ['accounts show alice']).action(
    async (username: string) => {
      const db = await ctx.db();
      const pending = (await listPendingDeletions(db)).includes(username);
      const user = await getUser(db, username).catch((error: unknown) => {
        if (pending) return undefined;
        throw error;
      });
      const shown = { username, deleting: pending, ...(user ? { profile: user } : {}) };
      ctx.print(shown, () =>
        user
          ? [`User<${user.username} -- ${user.name}>`, `  email ${user.email}${user.emailVerified ? ' (verified)' : ' (not verified)'}`, `  birthdate ${user.birthdate}`, `  followers ${user.followers}, following ${user.following}`]
          : [`User<${username}> is being deleted; run \`quick-photos accounts finish-deletions\` to finish.`],
      );
    },
  );

  examples(
    accounts
      .command('delete')
      .description('delete an account and everything in it (marks it, then empties it in bounded transactions)')
      .argument('<username>')
      .option('--yes', 'really delete')
      .option('--max-steps <n>', 'stop (resumably) after n transactions', integer(1)),
    ['accounts delete alice --yes'],
  ).action(async (username: string, options: { yes?: boolean; maxSteps?: number }) => {
    if (!options.yes) throw new CliError(`this deletes ${username} and everything in it; add --yes to proceed.`, 2);
    const db = await ctx.db();
    await startAccountDeletion(db, username);
    const outcome = await finishDeletion(db, username, deletionOptions(ctx, db, options.maxSteps));
    ctx.print({ username, outcome }, () => [outcome === 'done' ? `Deleted ${username}.` : `Paused deleting ${username}; run \`quick-photos accounts finish-deletions\`.`]);
  });

  examples(
    accounts
      .command('finish-deletions')
      .description('run every interrupted account deletion to the end (the service also does this when it starts)')
      .option('--max-steps <n>', 'stop (resumably) after n transactions in total', integer(1)),
    ['accounts finish-deletions'],
  ).action(async (options: { maxSteps?: number }) => {
    const db = await ctx.db();
    const result = await resumeDeletions(db, deletionOptions(ctx, db, options.maxSteps));
    ctx.print(result, () => [
      result.finished.length + result.paused.length === 0 ? 'No pending deletions.' : '',
      ...result.finished.map((u) => `Deleted ${u}.`),
      ...result.paused.map((u) => `Paused deleting ${u}.`),
    ].filter(Boolean));
  });

  const mail = program.command('mail').description('development mail');
  examples(
    mail
      .command('outbox')
      .description('messages in the development outbox (when no SMTP server is configured), newest first')
      .option('--limit <n>', 'how many', integer(1, 200), 10),
    ['mail outbox', 'mail outbox --limit 1 --json'],
  ).action(async (options: { limit: number }) => {
    const messages = await readOutbox(ctx.config().mail.outboxDir, options.limit);
    ctx.print(messages, () =>
      messages.length === 0
        ? [`The outbox ${ctx.config().mail.outboxDir} is empty.`]
        : messages.flatMap((m) => [`--- ${m.sentAt}  to ${m.to}`, `Subject: ${m.subject}`, '', m.text, '']),
    );
  });
}
