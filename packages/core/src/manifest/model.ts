/**
 * The manifest (`qrpin.yaml`, JSON accepted) as written by its owner: what each QR code encodes,
 * which hosts it reaches and how each host is pinned. Values are kept as the text the owner wrote
 * (pins and patterns are strings here) so that lint can report every problem at once; compile it
 * with `compilePolicy` to get parsed values.
 */

/** What a destination is: a web page, a verified app link, a custom-scheme deep link, or an API. */
export type DestinationKind = 'web' | 'app-link' | 'deep-link' | 'api';

/** Whether a pin failure blocks the connection (`enforce`) or is only reported (`report`). */
export type PinMode = 'enforce' | 'report';

/** One QR code: the exact payload it encodes. */
export interface ManifestDestination {
  /** Stable identifier, used in telemetry and reports. */
  readonly id: string;
  /** The exact text encoded in the QR code. */
  readonly payload: string;
  readonly kind: DestinationKind;
  /** Marketing campaign this code belongs to. */
  readonly campaign?: string | undefined;
  /** For deep links: the https page opened when the app is not installed. */
  readonly fallback?: string | undefined;
  /** Extra hosts this destination reaches (redirect hops, API hosts) beyond its payload's host. */
  readonly hosts?: readonly string[] | undefined;
}

/** How one host pattern is pinned. */
export interface ManifestHost {
  /** OkHttp-style host pattern: `example.com`, `*.example.com`, `**.example.com`. */
  readonly pattern: string;
  /** Pins of keys in service now (`sha256/<base64>`). */
  readonly pins: readonly string[];
  /** Pins of keys held in reserve (not served yet); at least one is required for a safe pinset. */
  readonly backupPins: readonly string[];
  /** Date (YYYY-MM-DD) after which clients stop enforcing this pinset. */
  readonly expires?: string | undefined;
  readonly mode: PinMode;
}

/** A public key that clients trust for signed pinset documents. */
export interface ManifestSigningKey {
  readonly kid: string;
  readonly alg: 'EdDSA' | 'ES256';
  /** The public key as a JWK object. */
  readonly jwk: Readonly<Record<string, unknown>>;
}

/** The whole manifest, schema-valid. */
export interface Manifest {
  readonly version: 1;
  /** Project identifier (lower-case letters, digits and dashes). */
  readonly project: string;
  /** Base URL of the qrpin server that distributes signed pinsets. */
  readonly server?: string | undefined;
  readonly destinations: readonly ManifestDestination[];
  readonly hosts: readonly ManifestHost[];
  readonly signingKeys: readonly ManifestSigningKey[];
}

/** A path into the manifest, e.g. `['hosts', 0, 'pins', 1]`. */
export type ManifestPath = ReadonlyArray<string | number>;
