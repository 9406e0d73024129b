/** `feed <user>`, `activity <user>` and `search <query>`: the derived views, as a user sees them. */
import type { Command } from 'commander';
import { ACTIVITY_PAGE_MAX, FEED_PAGE_MAX, getActivity, getFeed, searchUsers, type ActivityItem } from '../../patterns/index.js';
import { cursorLine, type CliContext } from '../context.js';
import { formatPhoto, formatUser } from '../format.js';
import { examples, integer, pageRequest, type PageOptions } from '../options.js';

const counts = (r: Record<string, number>) => Object.entries(r).map(([type, n]) => `${type} ${n}`).join(', ');

/** What the actor did, per activity type (a switch, so a new type fails to compile until it reads right). */
function activityText(item: ActivityItem): string {
  switch (item.type) {
    case 'follow':
      return 'followed you';
    case 'request':
      return 'asked to follow you';
    case 'reaction':
      return `reacted ${item.reactionType ?? ''} to ${item.photo ? formatPhoto(item.photo) : 'a deleted photo'}`;
    case 'mention':
      return `mentioned you in ${item.photo ? formatPhoto(item.photo) : 'a deleted photo'}`;
    case 'comment':
      return `commented on ${item.photo ? formatPhoto(item.photo) : 'a deleted photo'}: ${item.comment?.text ?? ''}`;
    case 'reply':
      return `replied to your comment on ${item.photo ? formatPhoto(item.photo) : 'a deleted photo'}: ${item.comment?.text ?? ''}`;
    case 'comment-like':
      return `liked your comment on ${item.photo ? formatPhoto(item.photo) : 'a deleted photo'}`;
  }
}

export function register(program: Command, ctx: CliContext): void {
  examples(
    program
      .command('feed')
      .description("a user's home feed, newest first (derived by the worker; see `worker status` for its lag)")
      .argument('<user>')
      .option('--limit <n>', `items per page (1-${FEED_PAGE_MAX}, default 10)`, integer(1, FEED_PAGE_MAX))
      .option('--cursor <cursor>', 'continue where the previous page ended'),
    ['feed haroldwatkins', 'feed haroldwatkins --limit 5 --json'],
  ).action(async (user: string, options: PageOptions) => {
    const page = await getFeed(await ctx.db(), user, pageRequest(options));
    ctx.printPage(page, (item) => `${formatPhoto(item.photo)}  ${counts(item.photo.reactions)}${item.myReactions.length ? `  (yours: ${item.myReactions.join(', ')})` : ''}`);
  });

  examples(
    program
      .command('activity')
      .description("a user's activity: new followers, follow requests and reactions to their photos, newest first, and the unread count")
      .argument('<user>')
      .option('--limit <n>', `items per page (1-${ACTIVITY_PAGE_MAX}, default 20)`, integer(1, ACTIVITY_PAGE_MAX))
      .option('--cursor <cursor>', 'continue where the previous page ended'),
    ['activity jacksonjason'],
  ).action(async (user: string, options: PageOptions) => {
    const page = await getActivity(await ctx.db(), user, pageRequest(options));
    const line = (item: ActivityItem) => `${item.unread ? '*' : ' '} ${item.at}  ${formatUser(item.actor)} ${activityText(item)}`;
    ctx.print(page, () => [`${page.unreadCount} unread`, ...page.items.map(line), ...cursorLine(page)]);
  });

  examples(
    program
      .command('search')
      .description('find users by the start of their username or of any word of their name (case and accents ignored)')
      .argument('<query>')
      .requiredOption('--as <user>', 'the user searching (their relations are shown)')
      .option('--limit <n>', 'results (1-20, default 10)', integer(1, 20)),
    ['search "john p" --as haroldwatkins', 'search zo --as haroldwatkins'],
  ).action(async (query: string, options: { as: string; limit?: number }) => {
    const found = await searchUsers(await ctx.db(), options.as, query, options.limit ?? 10);
    ctx.print(found, () =>
      found.length === 0 ? ['No users found.'] : found.map((f) => `${formatUser(f.user)}${f.following ? '  (followed)' : ''}${f.followedBy ? '  (follows you)' : ''}`),
    );
  });
}
