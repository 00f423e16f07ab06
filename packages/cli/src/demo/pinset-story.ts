/**
 * The demo's signed-update story: sign the manifest's pins offline, start the pinset server, check
 * the document against the served keys and publish it, let a client follow it, then release the
 * pre-signed rollback and watch the client turn to report-only — with no private key online.
 */
import type { X509Certificate } from 'node:crypto';
import { type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import {
  buildPinsetPayload,
  buildRollback,
  compilePolicy,
  Pin,
  signPinset,
  type Manifest,
} from '@qrpin/core';
import { MemoryLastGoodStore, PinnedAgent, PinsetUpdater } from '@qrpin/client';
import { corePinsetVerifier, startServer } from '@qrpin/server';
import { checkServedKeys } from '../commands/publish.ts';
import { fetchChain } from '../lib/tls-fetch.ts';
import { prepareProject } from '../lib/server-setup.ts';
import { writeUserFile } from '../lib/files.ts';

const DAY = 86_400;

/** Inputs of {@link runPinsetStory}. */
export interface PinsetStoryInput {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly signingKey: KeyObject;
  readonly caPem: string;
  /** Loopback port of each demo host. */
  readonly targets: ReadonlyMap<string, number>;
  readonly now: Date;
  readonly write: (line: string) => void;
}

/** Runs the story; true when the client ended in report-only after the rollback. */
export async function runPinsetStory(input: PinsetStoryInput): Promise<boolean> {
  const { manifest, write } = input;
  const iat = Math.floor(input.now.getTime() / 1000);
  const payload = buildPinsetPayload(compilePolicy(manifest), { seq: 1, iat, exp: iat + 30 * DAY });
  const jws = signPinset(payload, { privateKey: input.signingKey, kid: 'demo-primary' });
  const rollbackJws = signPinset(buildRollback(payload), {
    privateKey: input.signingKey,
    kid: 'demo-primary',
  });
  writeUserFile(input.dir, 'pinset-1.jws', jws, { overwrite: true });
  writeUserFile(input.dir, 'pinset-2-rollback.jws', rollbackJws, { overwrite: true });
  write('signed pinset-1.jws and its pre-signed rollback pinset-2-rollback.jws (Ed25519, offline key)');

  const server = await startServer({
    verify: corePinsetVerifier(() => input.now),
    directory: join(input.dir, 'server'),
    port: 0,
    logger: false,
  });
  const dispatcher = new PinnedAgent({ pins: {} });
  try {
    const tokenFile = join(input.dir, 'server', 'admin-token');
    await prepareProject(server.store, manifest, { cwd: input.dir, tokenFile });
    write(`qrpin serve: ${server.url} (SQLite in server/, admin token in server/admin-token, 0600)`);

    const checks = await checkServedKeys(payload, async (host) => {
      const chain = await fetchChain({
        host,
        port: input.targets.get(host) ?? 443,
        connectAddress: '127.0.0.1',
        ca: input.caPem,
      });
      return {
        validated: chain.validated,
        error: chain.validationError,
        pins: chain.served.map((c: X509Certificate) =>
          Pin.fromSpki(c.publicKey.export({ type: 'spki', format: 'der' })).toString(),
        ),
      };
    });
    for (const c of checks)
      write(
        `bricking guard ${c.host}: ${c.ok ? 'a pin matches the served key, a backup is held back' : c.problem}`,
      );
    const token = readFileSync(tokenFile, 'utf8').trim();
    const base = `${server.url}/v1/projects/${manifest.project}`;
    const published = await request(`${base}/pinsets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jws, rollbackJws }),
    });
    await published.body.dump();
    write(`qrpin publish: seq 1 → HTTP ${published.statusCode}`);

    const updater = new PinsetUpdater({
      url: `${base}/pinset`,
      dispatcher,
      project: manifest.project,
      trustedKeys: manifest.signingKeys,
      bootstrap: jws,
      store: new MemoryLastGoodStore(),
      now: () => input.now,
      cohort: 0,
      setTimer: () => undefined,
    });
    await updater.start();
    const modes = (): string => [...new Set(dispatcher.policy.hosts.map((h) => h.mode))].join('/');
    write(`a client follows: seq ${updater.current?.seq ?? '?'}, hosts ${modes()}`);

    const released = await request(`${base}/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    await released.body.dump();
    write(`rollback released by the server alone (no private key online): HTTP ${released.statusCode}`);
    const outcome = await updater.refresh();
    write(`the client refreshes: ${outcome}, seq ${updater.current?.seq ?? '?'}, hosts ${modes()}`);
    return updater.current?.seq === 2 && modes() === 'report';
  } finally {
    await dispatcher.close();
    await server.close();
  }
}
