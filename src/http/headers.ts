/**
 * Security headers, computed once: the set @fastify/helmet's defaults produced, set on every
 * answer in one step by a synchronous hook instead of helmet's per-request middleware pass
 * (which cost ~60 us of CPU per request; BENCHMARKS.md). test/http/security-headers.test.ts
 * pins the exact set: JSON answers carry it without the Content-Security-Policy, the web app's
 * pages with it. The docs plugin sets its own Content-Security-Policy on /docs; image
 * delivery (routes/media.ts) overrides Cross-Origin-Resource-Policy so other origins may show it.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Config } from '../config/index.js';

/**
 * The set for a deployment. The web client shows signed image URLs (PUBLIC_URL's origin when it
 * is another one; S3 answers them with a redirect to the bucket) and previews an upload from a
 * `blob:` URL before sending it (a direct upload PUTs to the bucket): those origins join
 * img-src and connect-src, and nothing else is loosened. `upgrade-insecure-requests` only where
 * the service is served over HTTPS: on plain HTTP at a LAN address (a phone trying `npm start`)
 * it would send every script, style and API call to an https:// that is not there.
 */
export function securityHeaders(mediaOrigins: readonly string[] = [], options: { https?: boolean } = {}): Readonly<Record<string, string>> {
  const extra = mediaOrigins.length > 0 ? ` ${mediaOrigins.join(' ')}` : '';
  return Object.freeze({
    'content-security-policy': [
      "default-src 'self'",
      "base-uri 'self'",
      ...(extra ? [`connect-src 'self'${extra}`] : []),
      "font-src 'self' https: data:",
      "form-action 'self'",
      "frame-ancestors 'self'",
      `img-src 'self' data: blob:${extra}`,
      "object-src 'none'",
      "script-src 'self'",
      "script-src-attr 'none'",
      "style-src 'self' https: 'unsafe-inline'",
      ...(options.https === false ? [] : ['upgrade-insecure-requests']),
    ].join(';'),
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  });
}

/** The set with no media origin beyond the API's own (local store, relative signed URLs). */
export const SECURITY_HEADERS = securityHeaders();

/** Served over HTTPS: in production (behind TLS), or wherever PUBLIC_URL says so. */
export function servedOverHttps(config: Pick<Config, 'production' | 'media'>): boolean {
  return config.production || config.media.publicUrl.startsWith('https:');
}

/** Origins other than the API's own that serve its images or take its direct uploads. */
export function mediaOrigins(config: Pick<Config, 'blobs' | 'media'>): string[] {
  const origins = new Set<string>();
  const origin = (url: string) => {
    try {
      origins.add(new URL(url).origin);
    } catch {
      // Not an absolute URL: same origin as the API.
    }
  };
  if (config.media.publicUrl) origin(config.media.publicUrl);
  if (config.blobs.kind === 's3') {
    origin(config.blobs.endpoint ?? `https://${config.blobs.bucket}.s3.${config.blobs.region ? `${config.blobs.region}.` : ''}amazonaws.com`);
  }
  return [...origins];
}

/**
 * The set without its Content-Security-Policy: a CSP governs documents a browser renders, and a
 * JSON answer (sent with nosniff) is never one. HTML answers (the web app's pages) get it from
 * htmlHeaders; the docs plugin sets its own.
 */
export function apiHeaders(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const { 'content-security-policy': _csp, ...rest } = headers;
  return Object.freeze(rest);
}

/** onRequest: the security headers and the request id, before any handler or error runs. */
export function standardHeaders(headers: Readonly<Record<string, string>>) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    void reply.headers(headers).header('x-request-id', request.id);
    done();
  };
}

/** onRequest for the web app's scope: its pages carry the Content-Security-Policy. */
export function htmlHeaders(headers: Readonly<Record<string, string>>) {
  const csp = headers['content-security-policy'] ?? "default-src 'self'";
  return (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    void reply.header('content-security-policy', csp);
    done();
  };
}
