import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MANIFEST_SCHEMA_ID, manifestJsonSchema, parseManifest } from '@qrpin/core';

type Schema = Record<string, unknown>;

/**
 * A small validator for the JSON Schema keywords the generated schema uses. It is not a general
 * validator: it fails loudly on any keyword it does not know, so a schema change cannot slip by.
 */
function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const known = new Set([
    '$schema',
    '$id',
    'title',
    'description',
    'examples',
    'default',
    'format',
    'type',
    'properties',
    'required',
    'additionalProperties',
    'propertyNames',
    'items',
    'maxItems',
    'minItems',
    'minLength',
    'maxLength',
    'pattern',
    'enum',
    'const',
  ]);
  for (const key of Object.keys(schema))
    if (!known.has(key)) throw new Error(`unknown keyword ${key} at ${path}`);
  const errors: string[] = [];
  const type = schema['type'];
  const is: Record<string, (v: unknown) => boolean> = {
    object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === 'string',
    number: (v) => typeof v === 'number',
    boolean: (v) => typeof v === 'boolean',
  };
  if (typeof type === 'string' && !(is[type] ?? (() => false))(value)) return [`${path}: not ${type}`];
  if ('const' in schema && schema['const'] !== value) errors.push(`${path}: not ${String(schema['const'])}`);
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(value)) errors.push(`${path}: not in enum`);
  if (typeof value === 'string') {
    if (typeof schema['minLength'] === 'number' && value.length < schema['minLength'])
      errors.push(`${path}: too short`);
    if (typeof schema['maxLength'] === 'number' && value.length > schema['maxLength'])
      errors.push(`${path}: too long`);
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value)) {
      errors.push(`${path}: does not match ${schema['pattern']}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems'])
      errors.push(`${path}: too many`);
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems'])
      errors.push(`${path}: too few`);
    const items = schema['items'] as Schema | undefined;
    if (items !== undefined) value.forEach((v, i) => errors.push(...validate(items, v, `${path}[${i}]`)));
  }
  if (is['object']?.(value)) {
    const object = value as Record<string, unknown>;
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const name of (schema['required'] ?? []) as string[]) {
      if (!(name in object)) errors.push(`${path}: missing ${name}`);
    }
    for (const [name, v] of Object.entries(object)) {
      const property = properties[name];
      if (property !== undefined) errors.push(...validate(property, v, `${path}.${name}`));
      else if (schema['additionalProperties'] === false) errors.push(`${path}: unexpected ${name}`);
      else if (typeof schema['additionalProperties'] === 'object') {
        errors.push(...validate(schema['additionalProperties'] as Schema, v, `${path}.${name}`));
      }
    }
  }
  return errors;
}

const PIN_A = `sha256/${Buffer.alloc(32, 1).toString('base64')}`;
const PIN_B = `sha256/${Buffer.alloc(32, 2).toString('base64')}`;

const sample = {
  version: 1,
  project: 'spring',
  server: 'https://pins.example.com',
  destinations: [
    { id: 'poster', payload: 'https://promo.example.com/', kind: 'web', campaign: 'spring' },
    {
      id: 'offer',
      payload: 'exampleapp://offer/1',
      kind: 'deep-link',
      fallback: 'https://promo.example.com/o',
      hosts: ['promo.example.com'],
    },
  ],
  hosts: [
    {
      pattern: 'promo.example.com',
      pins: [PIN_A],
      backupPins: [PIN_B],
      expires: '2027-01-31',
      mode: 'enforce',
    },
  ],
  signingKeys: [{ kid: 'k1', alg: 'EdDSA', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'abc' } }],
};

describe('manifestJsonSchema', () => {
  const schema = manifestJsonSchema();

  it('is plain JSON with $schema 2020-12, an $id and a title', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
    assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema['$id'], MANIFEST_SCHEMA_ID);
    assert.equal(schema['title'], 'qrpin manifest');
  });

  it('requires the fields without defaults and forbids unknown ones', () => {
    assert.deepEqual(schema['required'], ['version', 'project', 'destinations', 'hosts']);
    assert.equal(schema['additionalProperties'], false);
    const host = (schema['properties'] as Record<string, Schema>)['hosts']?.['items'] as Schema;
    assert.deepEqual(host['required'], ['pattern', 'pins']);
    assert.deepEqual((host['properties'] as Record<string, Schema>)['mode']?.['enum'], ['enforce', 'report']);
    assert.equal(host['additionalProperties'], false);
  });

  it('describes every field', () => {
    const missing: string[] = [];
    const walk = (node: Schema, path: string) => {
      const properties = node['properties'] as Record<string, Schema> | undefined;
      for (const [name, property] of Object.entries(properties ?? {})) {
        if (typeof property['description'] !== 'string' || property['description'].length < 10)
          missing.push(`${path}.${name}`);
        walk(property, `${path}.${name}`);
      }
      const items = node['items'] as Schema | undefined;
      if (items !== undefined) walk(items, `${path}[]`);
    };
    walk(schema, '$');
    assert.deepEqual(missing, []);
  });

  it('accepts a sample manifest that parseManifest accepts', () => {
    assert.deepEqual(validate(schema, sample), []);
    assert.doesNotThrow(() => parseManifest(JSON.stringify(sample)));
  });

  const invalid: Array<[string, (m: Record<string, unknown>) => void, string]> = [
    ['a bad mode', (m) => ((m['hosts'] as Schema[])[0]!['mode'] = 'block'), 'not in enum'],
    ['an unknown field', (m) => ((m['hosts'] as Schema[])[0]!['backup_pins'] = []), 'unexpected backup_pins'],
    ['a missing project', (m) => delete m['project'], 'missing project'],
    ['an impossible date', (m) => ((m['hosts'] as Schema[])[0]!['expires'] = '2026-02-30'), 'does not match'],
    ['version 2', (m) => (m['version'] = 2), 'not 1'],
    ['an empty pin', (m) => ((m['hosts'] as Schema[])[0]!['pins'] = ['']), 'too short'],
  ];
  for (const [name, change, expected] of invalid) {
    it(`refuses a manifest with ${name}, as parseManifest does`, () => {
      const copy = structuredClone(sample) as Record<string, unknown>;
      change(copy);
      assert.ok(
        validate(schema, copy).some((e) => e.includes(expected)),
        validate(schema, copy).join('; '),
      );
      assert.throws(() => parseManifest(JSON.stringify(copy)), { code: 'ERR_MANIFEST_INVALID' });
    });
  }
});
