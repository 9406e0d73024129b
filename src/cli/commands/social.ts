/** Reactions and follows: `react`, `unreact`, `follow`, `unfollow`, `followers`, `following`. */
import type { Command } from 'commander';
import { REACTION_TYPES } from '../../schema/entities.js';
import {
  followUser,
  listFollowed,
  listFollowedWithProfiles,
  listFollowers,
  reactToPhoto,
  removeReaction,
  unfollowUser,
  type FollowedProfile,
} from '../../patterns/index.js';
import type { CliContext } from '../context.js';
import { formatFriendship, formatUser } from '../format.js';
import { examples, paged, pageRequest, type PageOptions } from '../options.js';

const TYPES = REACTION_TYPES.join(', ');

function formatFollowed(entry: FollowedProfile): string {
  // A missing profile is an orphan friendship; show it rather than hide it.
  return entry.user ? formatUser(entry.user) : `User<${entry.friendship.followedUser} -- (profile missing)>`;
}

export function register(program: Command, ctx: CliContext): void {
  const reactionArgs = (command: Command): Command =>
    command
      .argument('<user>', 'the reacting user')
      .argument('<type>', `one of ${TYPES}`)
      .argument('<owner>', "the photo owner's username")
      .argument('<timestamp>', "the photo's timestamp");

  examples(reactionArgs(program.command('react').description("react to a photo (the lab's transaction: reaction + counter)")), [
    'react kennedyheather sunglasses ppierce 2019-04-14T08:09:34',
  ]).action(async (user: string, type: string, owner: string, timestamp: string) => {
    const reaction = await reactToPhoto(await ctx.db(), { reactingUser: user, type, owner, timestamp });
    ctx.print(reaction, () => [`Added ${reaction.reactionType} reaction from ${reaction.reactingUser}`]);
  });

  examples(reactionArgs(program.command('unreact').description('remove a reaction (and decrement its counter)')), [
    'unreact kennedyheather sunglasses ppierce 2019-04-14T08:09:34',
  ]).action(async (user: string, type: string, owner: string, timestamp: string) => {
    await removeReaction(await ctx.db(), { reactingUser: user, type, owner, timestamp });
    ctx.print({ removed: { reactingUser: user, reactionType: type, owner, timestamp } }, () => [`Removed ${type} reaction from ${user}`]);
  });

  examples(
    program
      .command('follow')
      .description("follow a user (the lab's three-item transaction: friendship + both counters)")
      .argument('<follower>')
      .argument('<followed>'),
    ['follow john42 tmartinez'],
  ).action(async (follower: string, followed: string) => {
    const friendship = await followUser(await ctx.db(), follower, followed);
    ctx.print(friendship, () => [`User ${friendship.followingUser} is now following user ${friendship.followedUser}`]);
  });

  examples(program.command('unfollow').description('stop following a user').argument('<follower>').argument('<followed>'), [
    'unfollow john42 tmartinez',
  ]).action(async (follower: string, followed: string) => {
    await unfollowUser(await ctx.db(), follower, followed);
    ctx.print({ removed: { followingUser: follower, followedUser: followed } }, () => [`User ${follower} is no longer following user ${followed}`]);
  });

  examples(paged(program.command('followers').description("a user's followers (main table Query)").argument('<username>')), [
    'followers haroldwatkins',
  ]).action(async (username: string, options: PageOptions) => {
    ctx.printPage(await listFollowers(await ctx.db(), username, pageRequest(options)), formatFriendship);
  });

  examples(
    paged(
      program
        .command('following')
        .description('the users a user follows (InvertedIndex Query); --enrich adds their profiles (BatchGetItem)')
        .argument('<username>')
        .option('--enrich', "fetch each followed user's profile"),
    ),
    ['following haroldwatkins', 'following haroldwatkins --enrich'],
  ).action(async (username: string, options: PageOptions & { enrich?: boolean }) => {
    const db = await ctx.db();
    if (options.enrich) ctx.printPage(await listFollowedWithProfiles(db, username, pageRequest(options)), formatFollowed);
    else ctx.printPage(await listFollowed(db, username, pageRequest(options)), formatFriendship);
  });
}
