/**
 * Names a DynamoDB request after the access pattern it serves, from the request alone, for
 * per-pattern metrics: the operation, the index, and the entity words of the keys it names
 * (`GetItem user/metadata`, `Query InvertedIndex friend`, `TransactWriteItems Put reaction/photo
 * + Update user/photo + ConditionCheck user/metadata`). No plumbing through the patterns, no
 * async context, and a small fixed set of names; docs/data-model.md lists each pattern's request.
 */
import { keyWord } from '../schema/keys.js';

type Fields = Record<string, unknown>;

function keyName(key: unknown): string {
  const k = (key ?? {}) as Fields;
  return `${keyWord(k.PK)}/${keyWord(k.SK)}`;
}

/** The words of the values a key condition compares with: `SK = :sk AND PK BETWEEN :a AND :b`. */
function conditionName(input: Fields): string {
  const expression = typeof input.KeyConditionExpression === 'string' ? input.KeyConditionExpression : '';
  const values = (input.ExpressionAttributeValues ?? {}) as Fields;
  const words = (expression.match(/:[A-Za-z0-9_]+/g) ?? []).map((name) => keyWord(values[name]));
  return [...new Set(words)].join('/') || 'scan';
}

const cache = new Map<string, string>();
const MAX_NAMES = 500;

export function accessPatternOf(operation: string, input: Fields): string {
  let name: string;
  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      name = `${operation} ${keyName(input.Key)}`;
      break;
    case 'PutItem':
      name = `${operation} ${keyName(input.Item)}`;
      break;
    case 'Query':
      name = `${operation} ${typeof input.IndexName === 'string' ? input.IndexName : 'table'} ${conditionName(input)}`;
      break;
    case 'BatchGetItem': {
      const tables = Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>);
      name = `${operation} ${keyName(tables[0]?.Keys?.[0])}`;
      break;
    }
    case 'TransactWriteItems': {
      const items = (input.TransactItems ?? []) as Record<string, { Key?: unknown; Item?: unknown }>[];
      name = `${operation} ${items.map((item) => Object.entries(item).map(([kind, op]) => `${kind} ${keyName(op.Key ?? op.Item)}`).join('')).join(' + ')}`;
      break;
    }
    default:
      name = operation;
  }
  // Names come from code, not data, so they are few; the bound guards against a surprise.
  if (cache.has(name)) return name;
  if (cache.size >= MAX_NAMES) return `${operation} other`;
  cache.set(name, name);
  return name;
}
