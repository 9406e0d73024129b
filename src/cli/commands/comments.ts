/** Comments, for moderators: `comments list <photoId>` and `comments takedown <commentId>`. */
import { InvalidArgumentError, type Command } from 'commander';
import { listAllComments, takeDownComment } from '../../patterns/index.js';
import type { Comment } from '../../schema/entities/index.js';
import { commentId, parseCommentId, parsePhotoId } from '../../schema/ids.js';
import type { CliContext } from '../context.js';
import { escapeControls } from '../format.js';
import { examples, paged, pageRequest, type PageOptions } from '../options.js';

const formatComment = (c: Comment) =>
  `${c.timestamp}  ${c.author}: ${escapeControls(c.text.replaceAll('\n', ' '))}  (${c.replyCount ?? 0} replies, ${c.likeCount} likes)  id ${commentId(c)}`;

export function register(program: Command, ctx: CliContext): void {
  const comments = program.command('comments').alias('comment').description("a photo's comments, for moderators: list them and take one down");

  examples(
    paged(
      comments
        .command('list', { isDefault: true })
        .description("a photo's top-level comments, every one (no viewer's filter), with their ids")
        .argument('<photoId>')
        .option('--newest', 'newest first (default: oldest first)'),
    ),
    ['comments list ZGF2aWQyNS8yMDE5LTAzLTAyVDA5OjExOjMw', 'comments list ZGF2aWQyNS8yMDE5LTAzLTAyVDA5OjExOjMw --newest --json'],
  ).action(async (id: string, options: PageOptions & { newest?: boolean }) => {
    const photo = parsePhotoId(id);
    if (!photo) throw new InvalidArgumentError(`${id} is not a photo id.`);
    ctx.printPage(await listAllComments(await ctx.db(), photo.username, photo.timestamp, pageRequest(options), options.newest ? 'newest' : 'oldest'), formatComment);
  });

  examples(
    comments
      .command('takedown')
      .description('take a comment down: deleted with its replies and likes (every count exact), and its author gets a notice with the reason')
      .argument('<commentId>', 'as `comments list` shows it')
      .requiredOption('--reason <text>', 'shown to the author (1-500 characters)'),
    ['comments takedown <commentId> --reason "harassment"'],
  ).action(async (id: string, options: { reason: string }) => {
    const ref = parseCommentId(id);
    if (!ref) throw new InvalidArgumentError(`${id} is not a comment id.`);
    const notice = await takeDownComment(await ctx.db(), ref, options.reason);
    ctx.print(notice, () => [`Took down comment ${id} of ${ref.author}: ${options.reason}`]);
  });
}
