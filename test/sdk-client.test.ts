/**
 * The tuned SDK client (fixed endpoint, trimmed middleware stack, one-shot hashing, the user
 * agent computed once) sends what an SDK client with its defaults sends: the same request
 * body, target and signed header set, and the same user agent but for the per-call feature
 * flags (`m/...`), and reads the same answer. Against a 127.0.0.1 server that records requests.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../src/engine/client.js';

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let endpoint: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      seen.push({ headers: request.headers, body });
      response.setHeader('content-type', 'application/x-amz-json-1.0');
      response.setHeader('x-amzn-requestid', `r${seen.length}`);
      response.end('{"Item":{"PK":{"S":"USER#a"},"SK":{"S":"#METADATA#a"},"n":{"N":"7"}}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const signedHeaders = (headers: IncomingHttpHeaders) => /SignedHeaders=([^,]+)/.exec(String(headers.authorization))?.[1];

describe('the tuned SDK client', () => {
  it('sends and reads what an untuned SDK client does', async () => {
    const plain = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const tuned = createClients({ endpoint, local: true, kind: 'sdk' });
    try {
      const command = () => new GetCommand({ TableName: 'tuned', Key: { PK: 'USER#a', SK: '#METADATA#a' } });
      const reference = await DynamoDBDocumentClient.from(plain).send(command());
      const ours = await tuned.doc.send(command());
      const again = await tuned.doc.send(command());
      expect(seen).toHaveLength(3);
      const [a, b, c] = seen as [Seen, Seen, Seen];
      expect(b.body).toBe(a.body);
      expect(b.headers['x-amz-target']).toBe(a.headers['x-amz-target']);
      expect(b.headers['content-type']).toBe(a.headers['content-type']);
      expect(b.headers.host).toBe(a.headers.host);
      expect(signedHeaders(b.headers)).toBe(signedHeaders(a.headers));
      expect(signedHeaders(b.headers)).toContain('host');
      expect(b.headers['x-amz-user-agent']).toBe(a.headers['x-amz-user-agent']);
      expect(b.headers['user-agent']).toBe(String(a.headers['user-agent']).replace(/ m\/\S+/, ''));
      expect(c.headers['user-agent']).toBe(b.headers['user-agent']);
      const withoutRequestId = ({ $metadata, ...rest }: typeof ours) => ({ ...rest, $metadata: { ...$metadata, requestId: undefined } });
      expect(withoutRequestId(ours)).toEqual(withoutRequestId(reference));
      expect(again.Item).toEqual({ PK: 'USER#a', SK: '#METADATA#a', n: 7 });
      const names = tuned.client.middlewareStack.identify().join('\n');
      expect(names).not.toMatch(/loggerMiddleware|recursionDetectionMiddleware|getUserAgentMiddleware/);
      expect(names).toMatch(/httpSigningMiddleware/);
      expect(names).toMatch(/retryMiddleware/);
    } finally {
      plain.destroy();
      tuned.destroy();
    }
  });
});
