/**
 * One declaration per item type: from its attributes (TypeBox), its key builder and its kind
 * come the schema and static type, the codec between the entity and its stored item, and
 * `is(item)`, which recognises the entity's items by their key (never by their shape).
 *
 * Key formats stay in keys.ts: an entity's `key` calls a builder there, and `is`/`decode` read
 * keys back through `parseKey`. Attributes are checked for types only, as before: data written
 * by other tools (the lab's scripts) may predate our length rules.
 */
import { Type, type Static, type TObject, type TProperties, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { parseKey, type EntityKind, type ItemKey } from './keys.js';

/** PK and SK as a type literal (unlike the ItemKey interface, it fits a RawItem). */
type StoredKey = { PK: string; SK: string };

/** An item as the SDK's document client returns it. */
export type RawItem = Record<string, unknown>;

export class CorruptItemError extends Error {
  override readonly name = 'CorruptItemError';
}

export interface EntityDeclaration<A extends TProperties, K extends TProperties> {
  /** The entity's name, for errors. */
  name: string;
  /** Which key format is the entity's (keys.ts `EntityKind`). */
  kind: EntityKind;
  /** The attributes stored in the item. */
  attributes: A;
  /**
   * Values carried only by the key (a session's id, a checkpoint's shard), named as `parseKey`
   * names them: decode reads them from PK/SK and encode keeps them out of the attributes.
   */
  keyParts?: K;
  /** The item's key, built by a keys.ts builder from the entity's own values. */
  key: (entity: Static<TObject<A>> & Static<TObject<K>>) => ItemKey;
}

export interface Entity<A extends TProperties = TProperties, K extends TProperties = TProperties> {
  readonly name: string;
  readonly kind: EntityKind;
  /** The stored attributes' schema (without key parts). */
  readonly schema: TObject<A>;
  /** The entity's schema: its attributes and its key parts. */
  readonly entitySchema: TObject<A & K>;
  key(this: void, entity: Static<TObject<A>> & Static<TObject<K>>): ItemKey;
  /** The item to write: PK, SK and the declared attributes (key parts stay in the key). */
  encode(this: void, entity: Static<TObject<A>> & Static<TObject<K>>): StoredKey & Static<TObject<A>>;
  /** Copies only the declared attributes (and key parts); CorruptItemError when they do not check. */
  decode(this: void, item: RawItem): Static<TObject<A>> & Static<TObject<K>>;
  /** Whether the item (or key) is one of this entity's, by its key alone. */
  is(this: void, item: RawItem | ItemKey | undefined): boolean;
}

/** Any entity, its value types erased: for lists of entities (src/schema/entities/index.ts). */
export interface AnyEntity {
  readonly name: string;
  readonly kind: EntityKind;
  readonly schema: TSchema;
  readonly entitySchema: TSchema;
  encode(this: void, entity: never): ItemKey;
  decode(this: void, item: RawItem): object;
  is(this: void, item: RawItem | ItemKey | undefined): boolean;
}

/** The entity's value type: `type User = EntityType<typeof User>`. */
export type EntityType<E> = E extends Entity<infer A, infer K> ? Static<TObject<A>> & Static<TObject<K>> : never;

const keyOf = (item: RawItem | ItemKey | undefined): ItemKey | undefined =>
  item && typeof item.PK === 'string' && typeof item.SK === 'string' ? { PK: item.PK, SK: item.SK } : undefined;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an entity without key parts
export function defineEntity<A extends TProperties, K extends TProperties = {}>(declaration: EntityDeclaration<A, K>): Entity<A, K> {
  const { name, kind, attributes } = declaration;
  const keyParts = (declaration.keyParts ?? {}) as K;
  const schema = Type.Object(attributes);
  const entitySchema = Type.Object({ ...attributes, ...keyParts });
  const compiled = Compile(entitySchema);
  const attributeNames = Object.keys(attributes);
  const partNames = Object.keys(keyParts);
  type Value = Static<TObject<A>> & Static<TObject<K>>;

  return {
    name,
    kind,
    schema,
    entitySchema,
    key: declaration.key,
    encode(entity) {
      const stored: RawItem = {};
      for (const field of attributeNames) if ((entity as RawItem)[field] !== undefined) stored[field] = (entity as RawItem)[field];
      return { ...declaration.key(entity), ...(stored as Static<TObject<A>>) };
    },
    decode(item) {
      const key = keyOf(item);
      const parsed = key ? parseKey(key) : undefined;
      // Copy only the entity's attributes: keys and foreign attributes never reach callers.
      const picked: RawItem = {};
      for (const field of attributeNames) if (item[field] !== undefined) picked[field] = item[field];
      if (parsed?.kind === kind) for (const part of partNames) if (parsed.parts[part] !== undefined) picked[part] = parsed.parts[part];
      if (!compiled.Check(picked)) {
        throw new CorruptItemError(`Stored ${name} item ${String(item.PK)} / ${String(item.SK)} does not have the expected attributes.`);
      }
      return picked as Value;
    },
    is(item) {
      const key = keyOf(item);
      return key !== undefined && parseKey(key)?.kind === kind;
    },
  };
}

/** The stored item of an entity: its key and its attributes. */
export type ItemOf<E> = E extends Entity<infer A, TProperties> ? StoredKey & Static<TObject<A>> : never;
