/**
 * The manifest schema, in zod. It is the single source of truth: `parseManifest` validates with
 * it and `manifestJsonSchema` generates the editor schema from it, so both always agree.
 *
 * Pins and host patterns stay strings here (non-empty, bounded): lint parses them and reports
 * every bad one at once, with a hint, instead of stopping at the first.
 */
import * as z from 'zod';
import type { Manifest, ManifestDestination, ManifestHost, ManifestSigningKey } from './model.ts';
import { manifestLimits as L } from './limits.ts';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PROJECT = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const KID = /^[\x21-\x7e]+$/;
const EXAMPLE_PIN = 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

/** JWK members that only a private or secret key has. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const pinText = z
  .string()
  .min(1)
  .max(L.maxPinLength)
  .meta({
    description:
      "An SPKI pin: `sha256/` followed by the base64 SHA-256 digest of the key's SubjectPublicKeyInfo (curl's `sha256//…` is accepted too). Get one with `qrpin pins fetch <host>`.",
    examples: [EXAMPLE_PIN],
  });

const destinationSchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(L.maxIdLength)
      .regex(ID, {
        error: 'must start with a letter or digit and hold only letters, digits, ".", "_" and "-"',
      })
      .meta({
        description:
          'Stable identifier of this QR code, unique in the manifest; telemetry and reports use it.',
        examples: ['spring-poster'],
      }),
    payload: z
      .string()
      .min(1)
      .max(L.maxPayloadLength)
      .meta({
        description: `The exact text encoded in the QR code, usually a URL (at most ${L.maxPayloadLength} characters, the QR maximum).`,
        examples: ['https://promo.example.com/spring?src=qr', 'exampleapp://offer/spring'],
      }),
    kind: z.enum(['web', 'app-link', 'deep-link', 'api']).meta({
      description:
        'What the code opens: `web` (a page in the browser), `app-link` (a verified https Universal Link / Android App Link), `deep-link` (a custom-scheme link such as `exampleapp://…`) or `api` (an endpoint your app or kiosk calls).',
    }),
    campaign: z
      .string()
      .min(1)
      .max(L.maxCampaignLength)
      .optional()
      .meta({
        description: 'Marketing campaign this code belongs to, for the dashboard.',
        examples: ['spring-2026'],
      }),
    fallback: z
      .string()
      .min(1)
      .max(L.maxUrlLength)
      .optional()
      .meta({
        description:
          'For deep links: the https page opened when the app is not installed. Its host must be pinned too.',
        examples: ['https://promo.example.com/spring'],
      }),
    hosts: z
      .array(z.string().min(1).max(L.maxHostnameLength))
      .max(L.maxHostsPerDestination)
      .optional()
      .meta({
        description:
          "Extra host names this destination reaches beyond its payload's (redirect hops, API hosts). Each must be covered by a pinned host pattern.",
        examples: [['cdn.example.com']],
      }),
  })
  .meta({ description: 'One QR code: what it encodes and where it leads.' });

const hostSchema = z
  .strictObject({
    pattern: z
      .string()
      .min(1)
      .max(L.maxPatternLength)
      .meta({
        description:
          'Host pattern with OkHttp semantics: `example.com` (exactly that host), `*.example.com` (exactly one more label), `**.example.com` (the apex and any depth below). Quote patterns that start with `*` in YAML.',
        examples: ['promo.example.com', '*.example.com', '**.example.com'],
      }),
    pins: z.array(pinText).max(L.maxPinsPerHost).meta({
      description:
        'Pins of keys in service now, e.g. the leaf key and the issuing CA key. A connection is accepted when any pin (current or backup) matches a key of the validated chain.',
    }),
    backupPins: z.array(pinText).max(L.maxPinsPerHost).default([]).meta({
      description:
        'Pins of keys held in reserve, not served yet (generate one with `qrpin keys backup`). At least one is required so a key can be replaced without locking clients out.',
    }),
    expires: z.iso
      .date({ error: 'must be a real calendar date written YYYY-MM-DD' })
      .optional()
      .meta({
        description:
          'Date (YYYY-MM-DD, UTC) after which clients stop enforcing this pinset, so an app that is never updated cannot be bricked forever.',
        examples: ['2027-06-30'],
      }),
    mode: z.enum(['enforce', 'report']).default('enforce').meta({
      description:
        '`enforce` refuses connections whose chain matches no pin; `report` only reports them (use it while rolling out).',
    }),
  })
  .meta({ description: 'How one host pattern is pinned.' });

const signingKeySchema = z
  .strictObject({
    kid: z
      .string()
      .min(1)
      .max(L.maxKidLength)
      .regex(KID, { error: 'must hold only printable ASCII characters without spaces' })
      .meta({ description: 'Key identifier, matched against the `kid` header of signed pinset documents.' }),
    alg: z.enum(['EdDSA', 'ES256']).meta({
      description: 'Signature algorithm: `EdDSA` (Ed25519, the default) or `ES256` (ECDSA P-256).',
    }),
    jwk: z
      .record(z.string(), z.unknown())
      .superRefine((jwk, ctx) => {
        const members = Object.keys(jwk);
        if (members.length > L.maxJwkMembers) {
          ctx.addIssue({
            code: 'custom',
            message: `must have at most ${L.maxJwkMembers} members`,
            input: jwk,
          });
        }
        if (typeof jwk['kty'] !== 'string') {
          ctx.addIssue({
            code: 'custom',
            path: ['kty'],
            message: 'is required: a JWK names its key type in "kty" ("OKP" for EdDSA, "EC" for ES256)',
            input: jwk['kty'],
          });
        }
        for (const member of PRIVATE_JWK_MEMBERS) {
          if (member in jwk) {
            ctx.addIssue({
              code: 'custom',
              path: [member],
              message:
                'is a private-key member; put only the public key in the manifest and keep the private key offline',
            });
          }
        }
      })
      .meta({
        description:
          'The public key as a JWK (RFC 7517): `{kty: OKP, crv: Ed25519, x}` for EdDSA or `{kty: EC, crv: P-256, x, y}` for ES256. Never the private key.',
      }),
  })
  .meta({ description: 'A public key that clients trust for signed pinset documents.' });

/** True for an https URL, or an http URL on a loopback host (local development and the demo). */
function isServerUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
}

/** Entries of `list` whose string `field` repeats an earlier entry's. */
function duplicates(list: unknown, field: string): Array<{ index: number; first: number; value: string }> {
  if (!Array.isArray(list)) return [];
  const seen = new Map<string, number>();
  const found: Array<{ index: number; first: number; value: string }> = [];
  list.forEach((entry: unknown, index) => {
    const value =
      typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)[field] : undefined;
    if (typeof value !== 'string') return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else found.push({ index, first, value });
  });
  return found;
}

/**
 * The zod schema of a manifest. Parse with `parseManifest` rather than directly: it adds source
 * positions, size limits and friendly messages.
 */
export const manifestSchema = z
  .strictObject({
    version: z.literal(1).meta({ description: 'Manifest format version. Always 1.' }),
    project: z
      .string()
      .min(1)
      .max(L.maxProjectLength)
      .regex(PROJECT, {
        error:
          'must hold only lower-case letters, digits and dashes, and start and end with a letter or digit',
      })
      .meta({
        description: 'Project identifier (lower-case letters, digits and dashes).',
        examples: ['spring-campaign'],
      }),
    server: z
      .string()
      .max(L.maxUrlLength)
      .refine(isServerUrl, {
        error: 'must be an https URL without credentials or fragment (http is allowed only for localhost)',
      })
      .optional()
      .meta({
        format: 'uri',
        pattern: '^https?://',
        description:
          'Base URL of the qrpin server that distributes signed pinsets (https; http only for localhost).',
        examples: ['https://pins.example.com'],
      }),
    destinations: z
      .array(destinationSchema)
      .max(L.maxDestinations)
      .meta({ description: 'Every QR code of the project: its payload, kind and campaign.' }),
    hosts: z
      .array(hostSchema)
      .max(L.maxHosts)
      .meta({ description: 'Every pinned host pattern with its pins, backup pins, expiry and mode.' }),
    signingKeys: z.array(signingKeySchema).max(L.maxSigningKeys).default([]).meta({
      description:
        'Public keys clients trust for signed pinset documents: a primary and a backup, so the signing key itself can be rotated.',
    }),
  })
  // Runs even when other fields have problems, so the owner sees duplicate ids in the same pass.
  .superRefine(
    (manifest, ctx) => {
      const raw = manifest as unknown as Record<string, unknown>;
      for (const issue of duplicates(raw['destinations'], 'id')) {
        ctx.addIssue({
          code: 'custom',
          path: ['destinations', issue.index, 'id'],
          message: `is also the id of destinations[${issue.first}]; ids must be unique`,
          input: issue.value,
        });
      }
      for (const issue of duplicates(raw['signingKeys'], 'kid')) {
        ctx.addIssue({
          code: 'custom',
          path: ['signingKeys', issue.index, 'kid'],
          message: `is also the kid of signingKeys[${issue.first}]; kids must be unique`,
          input: issue.value,
        });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  )
  .meta({
    description: 'A qrpin manifest: the QR destinations of a project and how each host they reach is pinned.',
  });

/** The field names of each kind of object in the manifest, in schema order (for hints and sorting). */
export const manifestFields = Object.freeze({
  manifest: Object.keys(manifestSchema.shape),
  destination: Object.keys(destinationSchema.shape),
  host: Object.keys(hostSchema.shape),
  signingKey: Object.keys(signingKeySchema.shape),
}) satisfies Record<string, readonly string[]>;

// The schema and the model in model.ts must describe the same thing: each parsed object is a
// model object, and each has exactly the model's fields.
type Output = z.output<typeof manifestSchema>;
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false;
type Extends<A, B> = A extends B ? true : false;
const schemaMatchesModel: [
  Extends<Output, Manifest>,
  SameKeys<Output, Manifest>,
  SameKeys<Output['destinations'][number], ManifestDestination>,
  SameKeys<Output['hosts'][number], ManifestHost>,
  SameKeys<Output['signingKeys'][number], ManifestSigningKey>,
] = [true, true, true, true, true];
void schemaMatchesModel;
