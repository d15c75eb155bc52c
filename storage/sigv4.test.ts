/**
 * The worked examples AWS publishes for Signature Version 4: the four S3 header-signing examples
 * ("Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk",
 * bucket examplebucket, 2013-05-24), the signing-key derivation example, and get-vanilla from the
 * SigV4 test suite. No S3 server is reachable from the test machines, so these fixed vectors are
 * what ties the signer to AWS's definition.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, amzDate, signRequest, signingKey, uriEncode } from './sigv4.js';

const S3_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const S3_TIME = new Date('2013-05-24T00:00:00Z');
const HOST = 'https://examplebucket.s3.amazonaws.com';

function s3(method: string, path: string, headers: Record<string, string>, payloadHash = EMPTY_SHA256) {
  return signRequest({
    method,
    url: new URL(`${HOST}${path}`),
    headers,
    payloadHash,
    region: 'us-east-1',
    service: 's3',
    credentials: S3_CREDENTIALS,
    now: S3_TIME,
  });
}

const hashOf = (canonical: string) => createHash('sha256').update(canonical).digest('hex');

describe('SigV4 against the AWS S3 examples', () => {
  it('GET Object with a Range header', () => {
    const signed = s3('GET', '/test.txt', { Range: 'bytes=0-9' });
    expect(hashOf(signed.canonicalRequest)).toBe(
      '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    );
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(signed.headers['x-amz-date']).toBe('20130524T000000Z');
    expect(signed.headers['x-amz-content-sha256']).toBe(EMPTY_SHA256);
  });

  it('PUT Object with a body, a Date header and a key that needs encoding ($)', () => {
    const body = 'Welcome to Amazon S3.';
    const payload = createHash('sha256').update(body).digest('hex');
    expect(payload).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const signed = s3(
      'PUT',
      '/test$file.text',
      { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
      payload,
    );
    expect(hashOf(signed.canonicalRequest)).toBe(
      '9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d',
    );
    expect(signed.canonicalRequest.split('\n')[1]).toBe('/test%24file.text');
    expect(signed.headers.authorization).toContain(
      'SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,',
    );
    expect(signed.signature).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
    // Already-encoded paths canonicalise the same way.
    expect(
      s3(
        'PUT',
        '/test%24file.text',
        { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
        payload,
      ).signature,
    ).toBe(signed.signature);
  });

  it('GET Bucket lifecycle (a query parameter without a value)', () => {
    expect(s3('GET', '/?lifecycle', {}).signature).toBe(
      'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    );
  });

  it('GET Bucket list objects (query parameters sorted by name)', () => {
    const signed = s3('GET', '/?prefix=J&max-keys=2', {});
    expect(signed.canonicalRequest.split('\n')[2]).toBe('max-keys=2&prefix=J');
    expect(signed.stringToSign.split('\n')[3]).toBe(
      'df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7',
    );
    expect(signed.signature).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });
});

describe('SigV4 building blocks', () => {
  it('derives the documented signing key', () => {
    const key = signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'iam');
    expect(key.toString('hex')).toBe('c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
  });

  it('signs get-vanilla from the SigV4 test suite (non-S3: no payload hash header)', () => {
    const signed = signRequest({
      method: 'GET',
      url: new URL('https://example.amazonaws.com/'),
      payloadHash: EMPTY_SHA256,
      region: 'us-east-1',
      service: 'service',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      now: new Date('2015-08-30T12:36:00Z'),
    });
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,' +
        'SignedHeaders=host;x-amz-date,' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('encodes like RFC 3986 and formats the date stamp', () => {
    expect(uriEncode("a b+c/d*e!f'(g)~h.i_j-k")).toBe('a%20b%2Bc%2Fd%2Ae%21f%27%28g%29~h.i_j-k');
    expect(uriEncode('文')).toBe('%E6%96%87');
    expect(amzDate(new Date('2026-03-01T08:04:05.678Z'))).toBe('20260301T080405Z');
  });

  it('signs the host with its port, as fetch will send it', () => {
    const signed = signRequest({
      method: 'HEAD',
      url: new URL('http://127.0.0.1:9000/evidence/cases/a.jpg'),
      payloadHash: EMPTY_SHA256,
      region: 'us-east-1',
      service: 's3',
      credentials: S3_CREDENTIALS,
      now: S3_TIME,
    });
    expect(signed.canonicalRequest).toContain('host:127.0.0.1:9000\n');
    expect(signed.headers).not.toHaveProperty('host');
  });
});
