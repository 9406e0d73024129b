/** The OpenAPI document describes the upload bodies, so generated clients get real types (not `never`). */
import { describe, expect, it } from 'vitest';
import { openapiDocument } from '../../scripts/openapi.js';

interface Doc {
  paths: Record<string, Record<string, { operationId?: string; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
  components: { schemas: Record<string, { properties?: Record<string, { type?: string; format?: string }>; required?: string[] }> };
}

describe('OpenAPI for media', () => {
  it('names the multipart and direct-upload bodies, with a binary file field and a caption', async () => {
    const doc = (await openapiDocument()) as Doc;
    const schemaOf = (path: string, method: string, type: string) => {
      const ref = doc.paths[path]?.[method]?.requestBody?.content[type]?.schema.$ref;
      expect(ref, `${method} ${path} ${type}`).toBeDefined();
      return doc.components.schemas[ref!.split('/').pop()!]!;
    };
    const upload = schemaOf('/v1/users/{username}/photos', 'post', 'multipart/form-data');
    expect(upload.properties?.file).toMatchObject({ type: 'string', format: 'binary' });
    expect(upload.properties?.caption).toMatchObject({ type: 'string' });
    expect(upload.required).toEqual(['file']);
    expect(schemaOf('/v1/users/{username}/avatar', 'put', 'multipart/form-data').properties?.file).toMatchObject({ format: 'binary' });
    expect(Object.keys(schemaOf('/v1/users/{username}/uploads', 'post', 'application/json').properties ?? {})).toEqual(['contentLength', 'contentType']);
    expect(schemaOf('/v1/users/{username}/uploads/{uploadId}/complete', 'post', 'application/json').properties?.caption).toBeDefined();
    const put = doc.paths['/v1/uploads/{uploadId}']?.put?.requestBody?.content;
    expect(Object.keys(put ?? {})).toContain('image/jpeg');
    for (const name of ['Photo', 'Image', 'ImageVariant', 'UploadSlot']) expect(doc.components.schemas[name], name).toBeDefined();
  });
});
