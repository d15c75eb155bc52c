/**
 * `gridwatch demo` as a newcomer runs it: no Redis, no PostgreSQL server. It renders the demo
 * footage, analyses it with the bundled models into its own embedded store, prints the cases,
 * then serves the review page; the cases and their evidence are there through the API.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/video-fixtures.js';

const outDir = tempDir('gridwatch-demo-');

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GRIDWATCH_ORT_THREADS: '2', GRIDWATCH_HOST: '127.0.0.1' };
  // The demo must need no servers: hide any the test machine has.
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return env;
}

describe('gridwatch demo', () => {
  it('prints candidate cases, then serves them with evidence on the review page until SIGTERM', async () => {
    const child = spawn('node', ['bin/gridwatch.js', 'demo', '--out', outDir, '--port', '0'], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const ready = new Promise<{ url: string; key: string }>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const url = /review page: (\S+)/.exec(stdout)?.[1];
        const key = /admin key:\s+(\S+)/.exec(stdout)?.[1];
        if (url && key) resolve({ url, key });
      });
      void exited.then((code) =>
        reject(new Error(`demo exited ${code} before serving:\n${stdout}\n${stderr}`)),
      );
    });
    try {
      const { url, key } = await ready;
      const rows = stdout
        .split('\n')
        .filter((l) => /^(illegal_parking|street_vendor|bin_overflow|garbage_pile|exposed_soil) /.test(l));
      // The four violation types the demo stages, each found by the bundled models.
      expect(stdout).toMatch(/illegal_parking .*cam-renmin-01 .*bay/);
      expect(stdout).toMatch(/street_vendor .*cam-renmin-01 .*walk/);
      expect(stdout).toMatch(/bin_overflow .*cam-renmin-01 .*bins/);
      expect(stdout).toMatch(/exposed_soil .*flight-soil-drone-two-patches/);
      expect(stdout).toMatch(/of 4 violation type\(s\)/);

      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const base = url.replace(/\/review\/$/, '');
      const auth = { authorization: `Bearer ${key}` };
      const list = (await (await fetch(`${base}/cases?limit=50`, { headers: auth })).json()) as {
        items: { id: string; type: string; status: string }[];
      };
      expect(list.items).toHaveLength(rows.length);
      for (const c of list.items) {
        expect(c.status).toBe('candidate');
        const evidence = (await (
          await fetch(`${base}/cases/${c.id}/evidence`, { headers: auth })
        ).json()) as {
          items: { kind: string; url: string }[];
        };
        const annotated = evidence.items.find((e) => e.kind === 'annotated');
        expect(annotated, `annotated evidence of ${c.type}`).toBeDefined();
        const jpeg = await fetch(`${base}${annotated!.url}`, { headers: auth });
        expect(jpeg.status).toBe(200);
        expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
      }
      expect(existsSync(join(outDir, 'db'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 240_000);
});
