import { describe, expect, it } from 'vitest';
import { S3Client } from './s3-client.js';
import { encodeKey, s3Url } from './s3-connection.js';
import { s3Error } from './s3-errors.js';
import { decodeXml, xmlBlocks, xmlText } from './s3-xml.js';

/** The credentials of AWS's published Signature Version 4 examples for S3. */
const EXAMPLE = {
  endpoint: 'https://s3.amazonaws.com',
  region: 'us-east-1',
  pathStyle: false,
  timeoutMs: 60_000,
  bucket: 'examplebucket',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
};
const unused = { fetch: () => Promise.reject(new Error('not sent')), signal: new AbortController().signal };

describe(S3Client.name, () => {
  it('signs as AWS documents: "GET Bucket (List Objects)" and "PUT Object"', async () => {
    const client = new S3Client(EXAMPLE, unused, '20130524T000000Z');
    const list = await client.sign({ method: 'GET', query: { 'max-keys': '2', prefix: 'J' } });
    expect(list.url).toBe('https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J');
    expect(list.headers.get('authorization')).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    );
    const put = await client.sign({
      method: 'PUT',
      key: 'test$file.text',
      headers: { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
      body: Buffer.from('Welcome to Amazon S3.'),
    });
    expect(put.url).toBe('https://examplebucket.s3.amazonaws.com/test%24file.text');
    expect(put.headers.get('x-amz-content-sha256')).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    expect(put.headers.get('authorization')).toMatch(
      /SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd$/,
    );
  });

  it('sends a session token as X-Amz-Security-Token, signed', async () => {
    const client = new S3Client({ ...EXAMPLE, credentials: { ...EXAMPLE.credentials, sessionToken: 'tok' } }, unused);
    const signed = await client.sign({ method: 'GET', key: 'a' });
    expect(signed.headers.get('x-amz-security-token')).toBe('tok');
    expect(signed.headers.get('authorization')).toContain('x-amz-security-token');
  });
});

describe('s3 URLs', () => {
  const at = (endpoint: string | undefined, bucket: string, pathStyle = false) => ({ endpoint, region: 'eu-west-1', pathStyle, bucket });

  it('addresses buckets as a host name where that works, by path where it cannot', () => {
    expect(s3Url(at(undefined, 'landing'), 'in/a.csv').href).toBe('https://landing.s3.eu-west-1.amazonaws.com/in/a.csv');
    expect(s3Url(at(undefined, 'landing')).href).toBe('https://landing.s3.eu-west-1.amazonaws.com/');
    expect(s3Url(at('https://acct.r2.cloudflarestorage.com', 'landing'), 'k').href).toBe('https://landing.acct.r2.cloudflarestorage.com/k');
    // Asked for, an IP or single-label endpoint, or a dotted bucket over TLS: path-style.
    expect(s3Url(at('https://minio.internal:9000', 'landing', true), 'k').href).toBe('https://minio.internal:9000/landing/k');
    expect(s3Url(at('http://127.0.0.1:9000', 'landing')).href).toBe('http://127.0.0.1:9000/landing');
    expect(s3Url(at('http://minio:9000', 'landing'), 'k').href).toBe('http://minio:9000/landing/k');
    expect(s3Url(at(undefined, 'logs.example.com'), 'k').href).toBe('https://s3.eu-west-1.amazonaws.com/logs.example.com/k');
  });

  it('percent-encodes each key segment as SigV4 canonicalises it', () => {
    expect(encodeKey('in/2026 orders+(final)!.csv')).toBe('in/2026%20orders%2B%28final%29%21.csv');
    expect(encodeKey('ünï/çødé')).toBe('%C3%BCn%C3%AF/%C3%A7%C3%B8d%C3%A9');
    expect(s3Url(at('http://s3.test', 'b', true), 'a//b?c#d').pathname).toBe('/b/a//b%3Fc%23d');
  });
});

describe('s3 errors', () => {
  const call = { operation: 'GetObject', bucket: 'b', key: 'k' };
  const body = (code: string) =>
    `<Error><Code>${code}</Code><Message>m &amp; more</Message><AWSAccessKeyId>AKIDLEAK</AWSAccessKeyId><StringToSign>x</StringToSign></Error>`;

  it.each([
    ['NoSuchKey', 404, false],
    ['NoSuchBucket', 404, false],
    ['AccessDenied', 403, false],
    ['SignatureDoesNotMatch', 403, false],
    ['InvalidAccessKeyId', 403, false],
    ['SlowDown', 503, true],
    ['InternalError', 500, true],
    ['RequestTimeout', 400, true],
    ['ServiceUnavailable', 503, true],
  ])('%s (HTTP %i) is coded s3_%s, retryable: %s', (code, status, retryable) => {
    const error = s3Error(call, status, body(code));
    expect(error).toMatchObject({
      code: `s3_${code}`,
      retryable,
      message: `S3 GetObject s3://b/k failed: ${code}: m & more (HTTP ${status})`,
    });
    expect(error.message).not.toContain('AKIDLEAK');
  });

  it('names a body-less answer by its status', () => {
    expect(s3Error(call, 404, '')).toMatchObject({ code: 's3_NoSuchKey', retryable: false });
    expect(s3Error({ operation: 'ListObjectsV2', bucket: 'b' }, 404, '')).toMatchObject({ code: 's3_NoSuchBucket' });
    expect(s3Error(call, 403, '')).toMatchObject({ code: 's3_AccessDenied', retryable: false });
    expect(s3Error(call, 502, 'Bad gateway')).toMatchObject({ code: 's3_Http502', retryable: true });
    expect(s3Error(call, 429, '')).toMatchObject({ code: 's3_TooManyRequests', retryable: true });
  });

  it('keeps a hostile code out of the step code', () => {
    expect(s3Error(call, 400, '<Error><Code>a b;c</Code></Error>')).toMatchObject({ code: 's3_Http400', retryable: false });
  });
});

describe('s3 XML', () => {
  it('reads flat elements, empty ones and entities', () => {
    const xml = '<R><Prefix/><Contents><Key>a&lt;b&#x26;c&#39;</Key></Contents><Contents><Key>d</Key></Contents></R>';
    expect(xmlBlocks(xml, 'Contents').map((c) => xmlText(c, 'Key'))).toEqual(["a<b&c'", 'd']);
    expect(xmlText(xml, 'Prefix')).toBe('');
    expect(xmlText(xml, 'Missing')).toBeUndefined();
    expect(decodeXml('&bogus; &#99999999;')).toBe('&bogus; &#99999999;');
  });
});
