/**
 * Webhook signatures: `X-Gridwatch-Signature: t=<unix seconds>,v1=<hex>` where the hex is
 * HMAC-SHA256(secret, "<t>.<raw body>"). Signing the timestamp with the body lets a receiver refuse
 * replays of an old request; several v1 values may appear while a secret is being rotated.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-gridwatch-signature';
/** Default window a receiver (and our callback endpoint) accepts around its own clock. */
export const DEFAULT_TOLERANCE_S = 300;

function mac(secret: string, timestampS: number, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestampS}.`).update(body).digest();
}

export function signatureHeader(secret: string, body: string | Buffer, timestampS: number): string {
  return `t=${timestampS},v1=${mac(secret, timestampS, body).toString('hex')}`;
}

export interface ParsedSignature {
  timestampS: number;
  signatures: Buffer[];
}

export function parseSignatureHeader(header: string): ParsedSignature | undefined {
  if (header.length > 1000) return undefined;
  let timestampS: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) return undefined;
      timestampS = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (v0, future v2) are ignored, as a receiver should.
  }
  if (timestampS === undefined || signatures.length === 0) return undefined;
  return { timestampS, signatures };
}

export type SignatureCheck = 'valid' | 'malformed' | 'expired' | 'mismatch';

/** Checks a signature header against the raw body; `nowS` is the verifier's clock in unix seconds. */
export function checkSignature(
  secret: string,
  body: string | Buffer,
  header: string,
  nowS: number,
  toleranceS = DEFAULT_TOLERANCE_S,
): SignatureCheck {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return 'malformed';
  if (Math.abs(nowS - parsed.timestampS) > toleranceS) return 'expired';
  const expected = mac(secret, parsed.timestampS, body);
  return parsed.signatures.some((s) => timingSafeEqual(s, expected)) ? 'valid' : 'mismatch';
}
