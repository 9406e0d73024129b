/** Photos: `photo upload|recent|get|delete`. */
import type { Command } from 'commander';
import { deletePhoto, getPhotoWithReactions, listRecentPhotos, uploadPhoto } from '../../patterns/index.js';
import { cursorLine, type CliContext } from '../context.js';
import { describePhoto, formatPhoto, formatReaction } from '../format.js';
import { examples, paged, pageRequest, type PageOptions } from '../options.js';

export function register(program: Command, ctx: CliContext): void {
  const photo = program.command('photo').alias('photos').description('upload, list, show and delete photos');

  examples(
    photo
      .command('upload')
      .description('record a photo for a user (the owner must exist); the file itself lives at --location')
      .argument('<username>', 'owner')
      .requiredOption('--location <uri>', 'where the image is stored, e.g. s3://bucket/photos/<user>/<name>.png')
      .option('--timestamp <ts>', 'YYYY-MM-DDTHH:MM:SS[.ffffff] (UTC); default now'),
    ['photo upload jacksonjason --location s3://quick-photos/photos/jacksonjason/beach.png'],
  ).action(async (username: string, flags: { location: string; timestamp?: string }) => {
    const uploaded = await uploadPhoto(await ctx.db(), { username, location: flags.location, ...(flags.timestamp ? { timestamp: flags.timestamp } : {}) });
    ctx.print(uploaded, () => [`Uploaded ${formatPhoto(uploaded)}`]);
  });

  examples(paged(photo.command('recent').description("a user's photos, newest first").argument('<username>')), [
    'photo recent jacksonjason',
    'photo recent jacksonjason --limit 5 --cursor <next cursor>',
  ]).action(async (username: string, options: PageOptions) => {
    ctx.printPage(await listRecentPhotos(await ctx.db(), username, pageRequest(options)), formatPhoto);
  });

  examples(
    paged(
      photo
        .command('get')
        .description('a photo and its reactions, in one Query on InvertedIndex')
        .argument('<owner>', "the photo owner's username")
        .argument('<timestamp>', "the photo's timestamp"),
    ),
    ['photo get david25 2019-03-02T09:11:30'],
  ).action(async (owner: string, timestamp: string, options: PageOptions) => {
    const { photo: found, reactions } = await getPhotoWithReactions(await ctx.db(), owner, timestamp, pageRequest(options));
    // JSON leaves nextCursor out on the last page.
    ctx.print({ photo: found ?? null, reactions: reactions.items, nextCursor: reactions.nextCursor }, () => [
      ...(found ? describePhoto(found) : []),
      ...reactions.items.map(formatReaction),
      ...cursorLine(reactions),
    ]);
  });

  examples(
    photo
      .command('delete')
      .description('delete a photo and every reaction on it')
      .argument('<owner>')
      .argument('<timestamp>')
      .option('--yes', 'confirm the deletion'),
    ['photo delete jacksonjason 2018-05-30T15:42:38 --yes'],
  ).action(async (owner: string, timestamp: string, flags: { yes?: boolean }, command: Command) => {
    if (!flags.yes) command.error('error: this deletes the photo and its reactions; add --yes to confirm.', { exitCode: 2 });
    await deletePhoto(await ctx.db(), owner, timestamp);
    ctx.print({ deleted: { owner, timestamp } }, () => [`Deleted photo ${timestamp} of user ${owner} and its reactions`]);
  });
}
