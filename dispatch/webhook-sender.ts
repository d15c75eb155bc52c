/** The HTTP client dispatch posts webhooks with, behind an interface so tests and workers can swap it. */

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WebhookResponse {
  /** HTTP status, or null when no response came (refused, timed out, reset). */
  status: number | null;
  /** Why the attempt failed, short and safe to store; null on a 2xx. */
  error: string | null;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
}

/** How much of a failing receiver's answer is kept for the dead-letter list. */
const ERROR_BODY_CHARS = 300;

function describe(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    const cause = (err as Error & { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return `${cause.code}`;
    if (cause && typeof cause.message === 'string') return cause.message.slice(0, 200);
    return err.message.slice(0, 200);
  }
  return String(err).slice(0, 200);
}

/** The start of a response body as text, without reading the rest of a possibly huge answer. */
async function head(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** Node's fetch. Redirects are not followed: a webhook URL that moved must be updated, not guessed. */
export class FetchWebhookSender implements WebhookSender {
  async send(request: WebhookRequest): Promise<WebhookResponse> {
    const signal = AbortSignal.timeout(request.timeoutMs);
    try {
      const res = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal,
      });
      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel().catch(() => {});
        return { status: res.status, error: null };
      }
      const text = await head(res, ERROR_BODY_CHARS * 4).catch(() => '');
      const snippet = text.replace(/\s+/g, ' ').trim().slice(0, ERROR_BODY_CHARS);
      return { status: res.status, error: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}` };
    } catch (err) {
      return { status: null, error: describe(err) };
    }
  }
}
