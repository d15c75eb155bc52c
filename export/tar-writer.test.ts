import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarHeader, tarStream, type TarEntry } from './tar-writer.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridwatch-tar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(entries: TarEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of tarStream(entries)) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('tar writer', () => {
  it('writes an archive GNU tar extracts byte for byte, long names and streamed bodies included', async () => {
    const big = Buffer.alloc(70_000, 7);
    big.write('start', 0);
    const longName = `gridwatch-dataset/crops/confirmed/${'very-long-folder-name/'.repeat(4)}0f0e0d0c-aaaa-bbbb-cccc-1234567890ab.jpg`;
    expect(longName.length).toBeGreaterThan(100);
    const archive = await collect([
      {
        name: 'gridwatch-dataset/decisions.csv',
        body: Buffer.from('case_id,type\r\n'),
        mtime: 1_790_000_000,
      },
      { name: 'gridwatch-dataset/empty.txt', body: Buffer.alloc(0) },
      { name: longName, body: Readable.from([big.subarray(0, 1000), big.subarray(1000)]), size: big.length },
      { name: 'gridwatch-dataset/名前.txt', body: Buffer.from('utf-8 names\n') },
    ]);
    expect(archive.length % 512).toBe(0);
    const file = join(dir, 'a.tar');
    await writeFile(file, archive);
    const { stdout } = await run('tar', ['-tvf', file]);
    expect(stdout).toContain('gridwatch-dataset/decisions.csv');
    expect(stdout).toContain(longName);
    await run('tar', ['-xf', file, '-C', dir]);
    expect(await readFile(join(dir, longName))).toEqual(big);
    expect(await readFile(join(dir, 'gridwatch-dataset/decisions.csv'), 'utf8')).toBe('case_id,type\r\n');
    expect(await readFile(join(dir, 'gridwatch-dataset/empty.txt'))).toHaveLength(0);
    expect(await readFile(join(dir, 'gridwatch-dataset/名前.txt'), 'utf8')).toBe('utf-8 names\n');
  });

  it('fails instead of writing a corrupt archive when a stream is not its declared size', async () => {
    await expect(collect([{ name: 'a', body: Readable.from([Buffer.alloc(10)]), size: 11 }])).rejects.toThrow(
      /10 bytes, not 11/,
    );
    await expect(collect([{ name: 'a', body: Readable.from([Buffer.alloc(10)]), size: 9 }])).rejects.toThrow(
      /longer/,
    );
  });

  it('refuses names that would escape the extraction folder', () => {
    for (const name of ['/etc/passwd', '../x', 'a/../../x', 'a\0b']) {
      expect(() => tarHeader({ name, size: 0, mtime: 0, mode: 0o644 })).toThrow(/unsafe/);
    }
  });
});
