// Prepares a project on the qrpin server's store from the manifest: the project, its public
// signing keys, and an admin token whose hash is stored (the token itself goes to a 0600 file).
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { QrpinError, type Manifest } from '@qrpin/core';
import type { PinsetStore } from '@qrpin/server';
import { writeUserFile } from './files.ts';

/** What {@link prepareProject} did. */
export interface PreparedProject {
  readonly project: string;
  readonly keysAdded: readonly string[];
  /** Where the admin token is, when this run created it. */
  readonly tokenFile?: string | undefined;
}

/**
 * Creates the manifest's project if it is new, adds signing keys it does not have yet, and makes
 * sure an admin token exists: `envToken` (QRPIN_ADMIN_TOKEN) if given, else the token in
 * `tokenFile`, else a new random one written to `tokenFile` with mode 0600. Only hashes are stored.
 */
export async function prepareProject(
  store: PinsetStore,
  manifest: Manifest,
  options: { readonly cwd: string; readonly tokenFile: string; readonly envToken?: string | undefined },
): Promise<PreparedProject> {
  const project = manifest.project;
  try {
    await store.createProject(project);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_STORE_CONFLICT') throw err;
  }
  const known = new Set((await store.signingKeys(project)).map((k) => k.kid));
  const keysAdded: string[] = [];
  for (const key of manifest.signingKeys) {
    if (known.has(key.kid)) continue;
    await store.addSigningKey(project, { kid: key.kid, alg: key.alg, jwk: key.jwk });
    keysAdded.push(key.kid);
  }
  let token = options.envToken;
  let created: string | undefined;
  if (token === undefined && existsSync(options.tokenFile))
    token = readFileSync(options.tokenFile, 'utf8').trim();
  if (token === undefined) {
    token = randomBytes(32).toString('base64url');
    created = writeUserFile(options.cwd, options.tokenFile, `${token}\n`, { secret: true });
  }
  if (token.length < 16) {
    throw new QrpinError('ERR_USAGE', 'the admin token must have at least 16 characters');
  }
  const hash = createHash('sha256').update(token, 'utf8').digest('hex');
  if (!(await store.findAdminTokenHashes(project)).includes(hash)) await store.addAdminToken(project, hash);
  return { project, keysAdded, tokenFile: created };
}
