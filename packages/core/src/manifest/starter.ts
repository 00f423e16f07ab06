/**
 * The commented starter manifest `qrpin init` writes.
 *
 * It parses as it is, and lint flags exactly what the owner still has to fill in: each host has
 * no pins yet (`no-current-pin`, `too-few-pins`, `no-backup-pin`), starts in report mode
 * (`report-only`) and has no expiry (`no-expiry`). No pin in it is made up: a pin that does not
 * belong to the real server would brick every client that enforces it.
 */

const STARTER = `# qrpin manifest: the QR codes of one project and how every host they reach is pinned.
# Check it with \`qrpin lint\`; generate platform configs with \`qrpin emit <target>\`.
# Editors can complete and explain every field: \`qrpin schema > qrpin.schema.json\`, then add
#   # yaml-language-server: $schema=./qrpin.schema.json
# as the first line of this file.

# Manifest format version. Always 1.
version: 1

# Project identifier: lower-case letters, digits and dashes.
project: my-campaign

# Base URL of the qrpin server that distributes signed pin updates (https).
# server: https://pins.example.com

# Every QR code of the project. \`payload\` is the exact text the code encodes (at most 4296
# characters); \`id\` is unique and names the code in telemetry; \`campaign\` groups codes on the
# dashboard. Every host a destination reaches must be covered by a host pattern below.
destinations:
  # A web page, opened in the browser.
  - id: spring-poster
    payload: https://promo.example.com/spring?src=qr
    kind: web
    campaign: spring-2026

  # A verified https link (iOS Universal Link, Android App Link) your app opens.
  - id: spring-app
    payload: https://promo.example.com/app/spring
    kind: app-link
    campaign: spring-2026

  # A custom-scheme link. Any app can claim a scheme, so give it an https fallback for phones
  # without your app (prefer app-link where you can).
  - id: spring-app-offer
    payload: exampleapp://offer/spring
    kind: deep-link
    campaign: spring-2026
    fallback: https://promo.example.com/spring

  # An endpoint your app or kiosk calls after the scan. \`hosts\` lists extra hosts a
  # destination reaches beyond its payload's (redirect hops, APIs); uncomment if needed.
  - id: loyalty-checkin
    payload: https://api.example.com/v1/checkin
    kind: api
    campaign: loyalty
    # hosts: [cdn.example.com]

# How each host is pinned. \`pattern\` is exact (\`promo.example.com\`), one more label
# (\`'*.example.com'\`) or the apex and any depth below (\`'**.example.com'\`); quote patterns that
# start with * (YAML reads *name as an alias).
hosts:
  - pattern: promo.example.com
    # Pins of the keys the server presents today: run \`qrpin pins fetch promo.example.com\`
    # and paste the leaf and issuing-CA pins, e.g.
    #   - sha256/<base64 of the SHA-256 of the key's SubjectPublicKeyInfo>
    pins: []
    # Pins of keys held offline, not served yet, so the key can be replaced without locking
    # clients out. Make one with \`qrpin keys backup promo.example.com\` and paste its pin.
    backupPins: []
    # After this date (YYYY-MM-DD) clients stop enforcing the pins, so an app that is never
    # updated cannot be bricked forever. Set it a few months ahead and move it on each release.
    # expires: 2027-06-30
    # \`report\` only reports pin failures; switch to \`enforce\` once the dashboard shows none.
    mode: report

  - pattern: api.example.com
    # \`qrpin pins fetch api.example.com\`
    pins: []
    # \`qrpin keys backup api.example.com\`
    backupPins: []
    # expires: 2027-06-30
    mode: report

# Public keys (JWK) your clients trust for signed pin updates: a primary and a backup.
# Never put a private key here.
signingKeys: []
#  - kid: primary-2026
#    alg: EdDSA
#    jwk: { kty: OKP, crv: Ed25519, x: <base64url public key> }
`;

/**
 * The commented starter manifest for `qrpin init`: one destination of each kind on
 * `example.com` hosts, and hosts whose pins are left empty for the owner to fill in with
 * `qrpin pins fetch` and `qrpin keys backup` (lint reports them until then).
 *
 * @example
 * ```ts
 * writeFileSync('qrpin.yaml', starterManifest(), { flag: 'wx' });
 * ```
 */
export function starterManifest(): string {
  return STARTER;
}
