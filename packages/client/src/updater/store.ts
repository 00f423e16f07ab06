/**
 * Where the updater keeps the last good signed document, so a restarted app starts from it
 * rather than from the older bootstrap it shipped with.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A place for the last good document (the compact JWS as received). */
export interface LastGoodStore {
  load(): Promise<string | undefined>;
  save(jws: string): Promise<void>;
}

/**
 * Keeps the document in one file, replaced atomically (write to a temporary file, then rename),
 * so a crash mid-write never leaves half a document.
 *
 * @example
 * ```ts
 * const store = new FileLastGoodStore('/var/lib/kiosk/pinset.jws');
 * ```
 */
export class FileLastGoodStore implements LastGoodStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async load(): Promise<string | undefined> {
    try {
      return (await readFile(this.path, 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async save(jws: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, jws, { mode: 0o644 });
    await rename(temporary, this.path);
  }
}

/** Keeps the document in memory only (tests, or apps that always start from the bootstrap). */
export class MemoryLastGoodStore implements LastGoodStore {
  #jws: string | undefined;

  async load(): Promise<string | undefined> {
    return this.#jws;
  }

  async save(jws: string): Promise<void> {
    this.#jws = jws;
  }
}
