/** Users: `user create|get|update|photos`. */
import type { Command } from 'commander';
import { createUser, getUser, getUserAndPhotos, updateUser } from '../../patterns/index.js';
import { cursorLine, type CliContext } from '../context.js';
import { describeUser, formatPhoto, formatUser } from '../format.js';
import { examples, paged, pageRequest, type PageOptions } from '../options.js';

interface ProfileFlags {
  name?: string;
  email?: string;
  birthdate?: string;
  address?: string;
  status?: string;
  interests?: string;
  pinnedImage?: string;
  unpin?: boolean;
}

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

/** Only the fields given on the command line: the access pattern validates them. */
function profileInput(flags: ProfileFlags): Record<string, unknown> {
  return {
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.email !== undefined ? { email: flags.email } : {}),
    ...(flags.birthdate !== undefined ? { birthdate: flags.birthdate } : {}),
    ...(flags.address !== undefined ? { address: flags.address } : {}),
    ...(flags.status !== undefined ? { status: flags.status } : {}),
    ...(flags.interests !== undefined ? { interests: list(flags.interests) } : {}),
    ...(flags.pinnedImage !== undefined ? { pinnedImage: flags.pinnedImage } : {}),
    ...(flags.unpin ? { pinnedImage: null } : {}),
  };
}

export function register(program: Command, ctx: CliContext): void {
  const user = program.command('user').alias('users').description('create, show and update users; list a user and their photos');

  examples(
    user
      .command('create')
      .description('create a user (fails if the username is taken); followers and following start at 0')
      .argument('<username>', '1-30 characters: a-z 0-9 _ . -')
      .requiredOption('--name <name>', 'full name')
      .requiredOption('--email <email>', 'e-mail address')
      .requiredOption('--birthdate <date>', 'YYYY-MM-DD')
      .option('--address <address>', 'postal address')
      .option('--status <status>', 'status line')
      .option('--interests <list>', 'comma-separated interests'),
    ['user create alice --name "Alice Liddell" --email alice@example.com --birthdate 1990-05-04 --interests tea,chess'],
  ).action(async (username: string, flags: ProfileFlags) => {
    const created = await createUser(await ctx.db(), { username, ...profileInput(flags) });
    ctx.print(created, () => [`Created ${formatUser(created)}`]);
  });

  examples(user.command('get').description('show a user profile').argument('<username>'), ['user get jacksonjason', 'user get jacksonjason --json']).action(
    async (username: string) => {
      const found = await getUser(await ctx.db(), username);
      ctx.print(found, () => describeUser(found));
    },
  );

  examples(
    user
      .command('update')
      .description('change profile fields (never the username or the counters)')
      .argument('<username>')
      .option('--name <name>', 'full name')
      .option('--email <email>', 'e-mail address')
      .option('--birthdate <date>', 'YYYY-MM-DD')
      .option('--address <address>', 'postal address')
      .option('--status <status>', 'status line')
      .option('--interests <list>', 'comma-separated interests (replaces the list)')
      .option('--pinned-image <photoSk>', "pin one of the user's photos (PHOTO#<user>#<timestamp>)")
      .option('--unpin', 'remove the pinned image'),
    ['user update alice --status "On holiday"', 'user update jacksonjason --pinned-image "PHOTO#jacksonjason#2018-05-30T15:42:38"'],
  ).action(async (username: string, flags: ProfileFlags) => {
    const updated = await updateUser(await ctx.db(), username, profileInput(flags));
    ctx.print(updated, () => [`Updated ${formatUser(updated)}`]);
  });

  examples(
    paged(
      user
        .command('photos')
        .description("the lab's user-and-photos query: the profile, then the photos oldest first, in one Query")
        .argument('<username>'),
    ),
    ['user photos jacksonjason', 'user photos jacksonjason --limit 5'],
  ).action(async (username: string, options: PageOptions) => {
    const { user: profile, photos } = await getUserAndPhotos(await ctx.db(), username, pageRequest(options));
    // JSON leaves nextCursor out on the last page.
    ctx.print({ user: profile ?? null, photos: photos.items, nextCursor: photos.nextCursor }, () => [
      ...(profile ? [formatUser(profile)] : []),
      ...photos.items.map(formatPhoto),
      ...cursorLine(photos),
    ]);
  });
}
