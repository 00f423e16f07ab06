// The demo campaign's manifest, written as a person would write it.

/** What the demo manifest is made from. */
export interface DemoManifestInput {
  readonly promo: { host: string; port: number };
  readonly api: { host: string; port: number };
  readonly pins: ReadonlyMap<string, { leafPin: string; caPin: string }>;
  readonly backups: ReadonlyMap<string, string>;
  readonly expires: string;
  /** The public JWKs of the pinset signing keys: the primary and the backup. */
  readonly signingJwks: readonly [Readonly<Record<string, unknown>>, Readonly<Record<string, unknown>>];
}

/** The YAML text of the demo manifest. */
export function demoManifest(input: DemoManifestInput): string {
  const { promo, api } = input;
  const host = (name: string, comment: string): string => {
    const pins = input.pins.get(name);
    return [
      `  # ${comment}`,
      `  - pattern: ${name}`,
      `    pins:`,
      `      - ${pins?.leafPin ?? ''} # the leaf key served today`,
      `      - ${pins?.caPin ?? ''} # the issuing CA's key`,
      `    backupPins:`,
      `      - ${input.backups.get(name) ?? ''} # offline backup key (keys/)`,
      `    expires: ${input.expires}`,
      `    mode: enforce`,
    ].join('\n');
  };
  return `# qrpin demo manifest: a spring QR campaign on loopback.
version: 1
project: qrpin-demo

destinations:
  - id: spring-poster
    payload: https://${promo.host}:${promo.port}/spring?src=qr
    kind: web
    campaign: spring-2026
  - id: spring-app-offer
    payload: qrpindemo://offer/42
    kind: deep-link
    campaign: spring-2026
    fallback: https://${promo.host}:${promo.port}/offer/42
  - id: summer-teaser
    payload: https://${promo.host}:${promo.port}/summer?src=qr
    kind: web
    campaign: summer-2026
  - id: loyalty-checkin
    payload: https://${api.host}:${api.port}/v1/checkin
    kind: api
    campaign: loyalty

hosts:
${host(promo.host, 'the campaign landing pages')}
${host(api.host, 'the loyalty API the app calls after a scan')}

# the public halves of the offline keys that sign pinset documents (qrpin keys signing):
# a primary, and a backup kept apart from it in case the primary is lost
signingKeys:
  - kid: demo-primary
    alg: EdDSA
    jwk: ${JSON.stringify(input.signingJwks[0])}
  - kid: demo-backup
    alg: EdDSA
    jwk: ${JSON.stringify(input.signingJwks[1])}
`;
}
