/**
 * Server-sent events parsed from text chunks as fetch streaming delivers them. EventSource cannot
 * send an Authorization header, and the key must never go in a URL, so the page reads the stream
 * itself. Follows the WHATWG event-stream rules: any line ending, comments, multi-line data,
 * `id` remembered across events, `retry` in milliseconds.
 */

export interface SseEvent {
  /** `message` when the server named none. */
  event: string;
  data: string;
  /** The last id seen so far (the stream's Last-Event-ID), if any. */
  lastEventId: string | undefined;
}

export class SseParser {
  private buffer = '';
  private eventType = '';
  private data: string[] = [];
  private hasData = false;
  /** Reconnection delay the server asked for, in milliseconds. */
  retryMs: number | undefined;
  lastEventId: string | undefined;
  /** A chunk ended on CR: a following LF belongs to the same line break. */
  private pendingCr = false;

  push(chunk: string): SseEvent[] {
    let text = chunk;
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone CR at the very end may be the first half of CRLF: settle it with the next chunk.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        this.pendingCr = true;
        const line = this.buffer.slice(0, match.index);
        this.buffer = '';
        const e = this.line(line);
        if (e) events.push(e);
        break;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const e = this.line(line);
      if (e) events.push(e);
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const event: SseEvent | undefined = this.hasData
      ? { event: this.eventType || 'message', data: this.data.join('\n'), lastEventId: this.lastEventId }
      : undefined;
    this.eventType = '';
    this.data = [];
    this.hasData = false;
    return event;
  }
}
