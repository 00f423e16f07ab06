/**
 * The manifest's JSON Schema, generated from the same zod schema `parseManifest` validates with,
 * so editors (VS Code's YAML extension, JetBrains) complete and explain every field.
 *
 * @see https://json-schema.org/draft/2020-12/json-schema-core
 */
import * as z from 'zod';
import { manifestSchema } from './schema.ts';

/** The `$id` of the generated schema. */
export const MANIFEST_SCHEMA_ID = 'https://qrpin.dev/schema/manifest-1.json';

/**
 * The JSON Schema (draft 2020-12) of a manifest as written, with a description on every field.
 * Defaulted fields (`backupPins`, `mode`, `signingKeys`) are optional in it. Checks that JSON
 * Schema cannot express (unique ids, private JWK members, http only for localhost) are made by
 * `parseManifest` alone.
 *
 * @example
 * ```ts
 * writeFileSync('qrpin.schema.json', JSON.stringify(manifestJsonSchema(), null, 2));
 * // then, first line of qrpin.yaml:  # yaml-language-server: $schema=./qrpin.schema.json
 * ```
 */
export function manifestJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(manifestSchema, { target: 'draft-2020-12', io: 'input' }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: MANIFEST_SCHEMA_ID,
    title: 'qrpin manifest',
    ...rest,
  };
}
