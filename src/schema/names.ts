/**
 * A mark on the schemas whose value names a user (Username) or a photo (the API's photo id),
 * so that code reading a route's schema knows what a parameter names whatever it is called
 * (src/http/visibility.ts refuses a route naming one without a visibility declaration).
 * A symbol key: JSON Schema validators and the OpenAPI document never see it.
 */
export const NAMES: unique symbol = Symbol.for('quick-photos.names');

export type Named = 'user' | 'photo';

/** What a schema names, read from its mark; undefined for any other schema. */
export function namedBy(schema: unknown): Named | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const mark = (schema as { [NAMES]?: unknown })[NAMES];
  return mark === 'user' || mark === 'photo' ? mark : undefined;
}
