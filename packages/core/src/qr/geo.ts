/**
 * Places: `geo:lat,lon[,alt][;crs=…][;u=…]` (RFC 5870), with Android's `?q=` search kept.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5870
 */
import type { BodyOf } from './body.ts';
import type { QrContext } from './lib/collector.ts';
import { parseQuery, percentDecode } from './lib/text.ts';

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

function number(text: string): number | undefined {
  if (text.length > 40 || !NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Parses a `geo:` payload (browser form); undefined when its coordinates do not parse. */
export function parseGeo(form: string, ctx: QrContext): BodyOf<'geo'> | undefined {
  const rest = form.slice('geo:'.length);
  const question = rest.indexOf('?');
  const path = question < 0 ? rest : rest.slice(0, question);
  const [coordinates = '', ...params] = path.split(';');
  const parts = coordinates.split(',');
  if (parts.length < 2 || parts.length > 3) return undefined;
  const latitude = number(parts[0] ?? '');
  const longitude = number(parts[1] ?? '');
  const altitude = parts.length === 3 ? number(parts[2] ?? '') : undefined;
  if (latitude === undefined || longitude === undefined || (parts.length === 3 && altitude === undefined))
    return undefined;
  let crs = 'wgs84';
  let uncertainty: number | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    const key = (eq < 0 ? param : param.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : percentDecode(param.slice(eq + 1));
    if (key === 'crs') crs = value.toLowerCase();
    else if (key === 'u') uncertainty = number(value);
  }
  const query = parseQuery(question < 0 ? '' : rest.slice(question + 1)).find(([key]) => key === 'q')?.[1];
  if (crs === 'wgs84' && (Math.abs(latitude) > 90 || Math.abs(longitude) > 180)) {
    ctx.findings.add(
      'geo-out-of-range',
      'warn',
      `the coordinates ${latitude},${longitude} are off the globe (latitude within ±90, longitude within ±180): ` +
        `map apps will show somewhere else or nothing`,
    );
  }
  return {
    kind: 'geo',
    latitude,
    longitude,
    ...(altitude === undefined ? {} : { altitude }),
    crs,
    ...(uncertainty === undefined ? {} : { uncertainty }),
    ...(query === undefined ? {} : { query }),
  };
}
