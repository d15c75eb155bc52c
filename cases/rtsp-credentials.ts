/**
 * Camera URLs carry passwords (rtsp://user:pass@host/...). Responses show a placeholder instead,
 * and an update that sends the placeholder back keeps the stored password, so editing a camera's
 * zones never requires re-typing its credentials.
 */
export const MASKED_PASSWORD = '********';

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

export function maskPassword(url: string): string {
  const u = parse(url);
  if (!u || u.password === '') return url;
  u.password = MASKED_PASSWORD;
  return u.toString();
}

/** `incoming` with the stored password put back when it carries the placeholder for the same user and host. */
export function restorePassword(incoming: string, stored: string | undefined): string {
  const next = parse(incoming);
  if (!next || next.password !== MASKED_PASSWORD) return incoming;
  const prev = stored === undefined ? undefined : parse(stored);
  if (!prev || prev.username !== next.username || prev.host !== next.host) return incoming;
  next.password = prev.password;
  return next.toString();
}
