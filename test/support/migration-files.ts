import { readdir } from 'node:fs/promises';

/** The migration files shipped in migrations/, in the order they apply. */
export async function migrationFiles(): Promise<string[]> {
  return (await readdir(new URL('../../migrations/', import.meta.url)))
    .filter((f) => f.endsWith('.sql'))
    .sort();
}
