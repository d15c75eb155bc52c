import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkSignature, parseSignatureHeader, signatureHeader } from './webhook-signature.js';

const SECRET = 'whsec_test_secret_0123456789';
const BODY = '{"type":"case.confirmed","case":{"id":"x"}}';

describe('webhook signatures', () => {
  it('signs HMAC-SHA256 over "<t>.<body>" as t=…,v1=<hex>', () => {
    const header = signatureHeader(SECRET, BODY, 1_790_000_000);
    const hex = createHmac('sha256', SECRET).update(`1790000000.${BODY}`).digest('hex');
    expect(header).toBe(`t=1790000000,v1=${hex}`);
  });

  it('verifies its own signatures, over strings and the same bytes', () => {
    const header = signatureHeader(SECRET, BODY, 1000);
    expect(checkSignature(SECRET, BODY, header, 1000)).toBe('valid');
    expect(checkSignature(SECRET, Buffer.from(BODY), header, 1200)).toBe('valid');
  });

  it('refuses another body, another secret, an old timestamp and garbage', () => {
    const header = signatureHeader(SECRET, BODY, 1000);
    expect(checkSignature(SECRET, `${BODY} `, header, 1000)).toBe('mismatch');
    expect(checkSignature('another-secret-123456', BODY, header, 1000)).toBe('mismatch');
    expect(checkSignature(SECRET, BODY, header, 1000 + 301)).toBe('expired');
    expect(checkSignature(SECRET, BODY, header, 1000 - 301)).toBe('expired');
    for (const bad of ['', 't=1000', 'v1=abc', `t=x,v1=${'0'.repeat(64)}`, 't=1000,v1=zz', 'nonsense']) {
      expect(checkSignature(SECRET, BODY, bad, 1000)).toBe('malformed');
    }
  });

  it('accepts any of several v1 values (secret rotation) and ignores unknown schemes', () => {
    const good = signatureHeader(SECRET, BODY, 1000).split(',')[1] as string;
    const header = `t=1000,v0=abc,v1=${'0'.repeat(64)},${good}`;
    expect(parseSignatureHeader(header)?.signatures).toHaveLength(2);
    expect(checkSignature(SECRET, BODY, header, 1000)).toBe('valid');
  });
});
