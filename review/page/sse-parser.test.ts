import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('parses named events with ids, skipping comments and retry lines', () => {
    const p = new SseParser();
    const events = p.push('retry: 3000\n\n: keep-alive\n\nid: 7\nevent: case\ndata: {"kind":"created"}\n\n');
    expect(events).toEqual([{ event: 'case', data: '{"kind":"created"}', lastEventId: '7' }]);
    expect(p.retryMs).toBe(3000);
    expect(p.lastEventId).toBe('7');
  });

  it('joins multi-line data and defaults the event name to message', () => {
    expect(new SseParser().push('data: a\ndata:b\ndata\n\n')).toEqual([
      { event: 'message', data: 'a\nb\n', lastEventId: undefined },
    ]);
  });

  it('assembles events split anywhere across chunks, with any line ending', () => {
    const text = 'id: 1\r\nevent: case\r\ndata: {"x":1}\r\n\r\nid: 2\revent: reset\rdata: r\r\rdata: z\n\n';
    const whole = new SseParser().push(text);
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect([cut, got]).toEqual([cut, whole]);
    }
    expect(whole.map((e) => [e.event, e.data, e.lastEventId])).toEqual([
      ['case', '{"x":1}', '1'],
      ['reset', 'r', '2'],
      ['message', 'z', '2'],
    ]);
  });

  it('keeps the last id for later events and ignores an event with no data', () => {
    const p = new SseParser();
    expect(p.push('id: 9\n\nevent: case\n\n')).toEqual([]);
    expect(p.lastEventId).toBe('9');
    expect(p.push('data: x\n\n')[0]?.lastEventId).toBe('9');
    expect(p.push('retry: soon\n\n')).toEqual([]);
  });
});
