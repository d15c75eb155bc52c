import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { JsonBodyPool } from './json-body-pool.js';

/** Only 'finish' matters to the pool. */
const response = () => new EventEmitter() as unknown as ServerResponse & EventEmitter;

describe('JsonBodyPool', () => {
  it('joins pieces between head and tail as UTF-8, multibyte text included', () => {
    const pool = new JsonBodyPool();
    const pieces = ['{"a":"杭州"}', '{"b":"🚗 \\" \\\\"}', '{}'];
    const body = pool.assemble('{"items":[', pieces, ',', '],"nextCursor":null}');
    const text = `{"items":[${pieces.join(',')}],"nextCursor":null}`;
    expect(body.toString('utf8')).toBe(text);
    expect(body.length).toBe(Buffer.byteLength(text));
    expect(pool.assemble('[', [], ',', ']').toString()).toBe('[]');
  });

  it('hands a buffer out again only after its response finished', () => {
    const pool = new JsonBodyPool();
    const first = pool.assemble('[', ['1'], ',', ']');
    const res = response();
    pool.releaseAfter(res, first);
    // Still being written: the next body must not share its memory.
    const second = pool.assemble('[', ['2'], ',', ']');
    expect(second.buffer).not.toBe(first.buffer);
    expect(first.toString()).toBe('[1]');
    res.emit('finish');
    const third = pool.assemble('[', ['3'], ',', ']');
    expect(third.buffer).toBe(first.buffer);
    expect(third.toString()).toBe('[3]');
  });

  it('keeps a buffer whose response never finished out of the pool', () => {
    const pool = new JsonBodyPool();
    const body = pool.assemble('[', ['1'], ',', ']');
    const res = response();
    pool.releaseAfter(res, body);
    res.emit('close');
    expect(pool.assemble('[', ['2'], ',', ']').buffer).not.toBe(body.buffer);
  });

  it('gives a body larger than a pooled buffer a buffer of its own, never pooled', () => {
    const pool = new JsonBodyPool();
    const big = 'x'.repeat(600 * 1024);
    const body = pool.assemble('"', [big], '', '"');
    expect(body.length).toBe(big.length + 2);
    const res = response();
    pool.releaseAfter(res, body);
    res.emit('finish');
    expect(pool.assemble('[', [], ',', ']').buffer).not.toBe(body.buffer);
  });

  it('keeps at most maxFree buffers for reuse', () => {
    const pool = new JsonBodyPool(1);
    const a = pool.assemble('[', [], ',', ']');
    const b = pool.assemble('[', [], ',', ']');
    for (const body of [a, b]) {
      const res = response();
      pool.releaseAfter(res, body);
      res.emit('finish');
    }
    const reused = [pool.assemble('[', [], ',', ']'), pool.assemble('[', [], ',', ']')];
    expect(reused.filter((r) => r.buffer === a.buffer || r.buffer === b.buffer)).toHaveLength(1);
  });

  it('takes a body back once however often it is handed back', () => {
    const pool = new JsonBodyPool();
    const body = pool.assemble('[', ['1'], ',', ']');
    const res = response();
    pool.releaseAfter(res, body);
    pool.releaseAfter(res, body);
    res.emit('finish');
    const a = pool.assemble('[', ['2'], ',', ']');
    const b = pool.assemble('[', ['3'], ',', ']');
    expect(a.buffer).toBe(body.buffer);
    expect(b.buffer).not.toBe(a.buffer);
    expect([a.toString(), b.toString()]).toEqual(['[2]', '[3]']);
  });
});
