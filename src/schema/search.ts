/**
 * How names are matched in user search: the same normalization for the tokens the directory
 * view writes and for the query a search reads with, so "Zoë", "ZOE" and "zoe" all meet.
 */

/**
 * Lower case, accents removed (é → e, Å → a), anything but letters and digits of any script,
 * `_ . -` and single spaces dropped: "Алёна" is found as "алена", "李小龍" as "李小".
 */
export function normalizeSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_.\- ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** At most this many words of a name become tokens: bounds the items per user. */
const MAX_NAME_WORDS = 8;

export function searchTokens(username: string, name: string): { token: string; field: 'username' | 'name' }[] {
  const tokens = new Map<string, 'username' | 'name'>();
  const add = (token: string, field: 'username' | 'name') => {
    if (token.length >= 2 && !tokens.has(token)) tokens.set(token, field);
  };
  add(normalizeSearch(username), 'username');
  const words = normalizeSearch(name).split(' ').filter(Boolean).slice(0, MAX_NAME_WORDS);
  words.forEach((_, i) => add(words.slice(i).join(' '), 'name'));
  return [...tokens].map(([token, field]) => ({ token, field }));
}
