// The manifest the server tests share: one web destination (`poster`, https://<host>/spring) on one
// pinned host, and the project's signing keys, optionally with the server's URL.
import type { JsonWebKey } from 'node:crypto';

export interface PosterManifest {
  readonly project: string;
  readonly host: string;
  readonly pins: readonly string[];
  readonly backupPins: readonly string[];
  /** The public signing keys, by kid (EdDSA). */
  readonly signingKeys: readonly { readonly kid: string; readonly jwk: JsonWebKey | undefined }[];
  readonly server?: string | undefined;
}

/** The manifest's YAML text. */
export function posterManifest(m: PosterManifest): string {
  return `version: 1
project: ${m.project}
${m.server === undefined ? '' : `server: ${m.server}\n`}destinations:
  - id: poster
    payload: https://${m.host}/spring
    kind: web
hosts:
  - pattern: ${m.host}
    pins: [${m.pins.join(', ')}]
    backupPins: [${m.backupPins.join(', ')}]
    expires: 2027-06-01
signingKeys:
${m.signingKeys.map((k) => `  - { kid: ${k.kid}, alg: EdDSA, jwk: ${JSON.stringify(k.jwk)} }`).join('\n')}
`;
}
