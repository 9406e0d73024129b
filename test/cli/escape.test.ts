/**
 * User-supplied text reaches the moderators' terminal only escaped: a report whose text carries
 * terminal escape codes, a C1 control or a bidi override prints them as visible escapes, in the
 * human lines and in `--json` (which stays valid JSON that decodes to the original text).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/schema/keys.js';
import { createUser, reportTarget } from '../../src/patterns/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { runCli } from '../support/cli.js';

let db: TestDb;
// ESC[2J clears the screen; U+009B is the one-byte CSI; U+202E flips the rest of the line.
const HOSTILE = 'look \u001b[2J here \u009b31m and \u202etxt.exe\u202c\r\nforged line\u007f';
/** Nothing a terminal would act on: C0 (newline aside, which ends our own lines), DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

beforeAll(async () => {
  db = await createTestDb();
  for (const username of ['esc-reporter', 'esc-target']) await createUser(db, { username, name: 'Someone', email: `${username}@example.com`, birthdate: '1990-01-01' });
  await reportTarget(db, 'esc-reporter', { kind: 'user', username: 'esc-target' }, { reason: 'other', text: HOSTILE });
});

afterAll(async () => {
  await db.drop();
});

describe('operator output escapes control characters', () => {
  it('prints a hostile report text escaped, on one line', async () => {
    const run = await runCli(db.table, ['reports']);
    expect(run.code, run.err).toBe(0);
    expect(run.out).not.toMatch(RAW_CONTROL);
    const lines = run.out.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('look \\x1b[2J here \\x9b31m and \\u202etxt.exe\\u202c\\r\\nforged line\\x7f');
  });

  it('--json escapes them too and still decodes to the text as written', async () => {
    const run = await runCli(db.table, ['reports', '--json']);
    expect(run.code, run.err).toBe(0);
    expect(run.out).not.toMatch(RAW_CONTROL);
    const page = JSON.parse(run.out) as { items: { text: string }[] };
    expect(page.items[0]?.text).toBe(HOSTILE);
  });

  it('escapes stored profile text too (data loaded by other tools skips the API rules)', async () => {
    await db.doc.send(
      new UpdateCommand({ TableName: db.table, Key: keys.user('esc-target'), UpdateExpression: 'SET #n = :n, address = :a', ExpressionAttributeNames: { '#n': 'name' }, ExpressionAttributeValues: { ':n': HOSTILE, ':a': '\u001b]0;owned\u0007' } }),
    );
    const run = await runCli(db.table, ['user', 'get', 'esc-target']);
    expect(run.code, run.err).toBe(0);
    expect(run.out).not.toMatch(RAW_CONTROL);
    expect(run.out).toContain('\\x1b]0;owned\\x07');
  });
});
