// File access for commands: coded errors instead of raw ENOENT stacks, size limits, 0600 secrets.
import { chmodSync, closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { QrpinError } from '@qrpin/core';

const DEFAULT_MAX = 16 * 1024 * 1024;

/** Reads a file the user named, with a clear coded error when it cannot be read. */
export function readUserFile(cwd: string, path: string, maxBytes = DEFAULT_MAX): Buffer {
  const full = resolve(cwd, path);
  let size: number;
  try {
    const stat = statSync(full);
    if (stat.isDirectory()) throw new QrpinError('ERR_FILE_READ', `${path} is a directory, not a file`);
    size = stat.size;
  } catch (err) {
    if (err instanceof QrpinError) throw err;
    throw new QrpinError('ERR_FILE_READ', `cannot read ${path}: ${describeFsError(err)}`, { cause: err });
  }
  if (size > maxBytes) {
    throw new QrpinError('ERR_INPUT_TOO_LARGE', `${path} is ${size} bytes; the limit is ${maxBytes}`);
  }
  try {
    return readFileSync(full);
  } catch (err) {
    throw new QrpinError('ERR_FILE_READ', `cannot read ${path}: ${describeFsError(err)}`, { cause: err });
  }
}

/** Writes a file, refusing to replace an existing one unless `overwrite`. Secrets get mode 0600. */
export function writeUserFile(
  cwd: string,
  path: string,
  content: string | Uint8Array,
  options: { overwrite?: boolean; secret?: boolean } = {},
): string {
  const full = resolve(cwd, path);
  const mode = options.secret === true ? 0o600 : 0o644;
  let fd: number;
  try {
    fd = openSync(full, options.overwrite === true ? 'w' : 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new QrpinError('ERR_FILE_EXISTS', `${path} exists already; pass --force to replace it`, {
        cause: err,
      });
    }
    throw new QrpinError('ERR_FILE_READ', `cannot write ${path}: ${describeFsError(err)}`, { cause: err });
  }
  try {
    // openSync's mode only applies to new files, and the umask may widen nothing but can narrow;
    // make a secret 0600 whatever existed before.
    if (options.secret === true) chmodSync(full, 0o600);
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  } finally {
    closeSync(fd);
  }
  return full;
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return code ?? String(err);
  }
}
