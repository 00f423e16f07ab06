/**
 * Host name normalisation shared by patterns and by the hosts clients connect to:
 * IDNA to ASCII (punycode), lower case, no trailing dot.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5891 (IDNA 2008)
 */
import { domainToASCII } from 'node:url';
import { QrpinError, describeInput } from '../errors/qrpin-error.ts';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const MAX_HOST = 253;

/**
 * Returns the ASCII, lower-case form of a DNS host name without its trailing dot, or throws
 * `ERR_HOST_PATTERN_INVALID` naming the input.
 *
 * @example
 * ```ts
 * normalizeHostname('Bücher.Example.');  // 'xn--bcher-kva.example'
 * ```
 */
export function normalizeHostname(input: string): string {
  if (typeof input !== 'string' || input.length === 0) {
    throw new QrpinError('ERR_HOST_PATTERN_INVALID', 'a host name must be a non-empty string');
  }
  if (input.length > MAX_HOST * 4) {
    throw new QrpinError('ERR_HOST_PATTERN_INVALID', `host ${describeInput(input)} is too long`);
  }
  if (/[\s/\\:@?#[\]%]/.test(input) || /[\u0000-\u001f\u007f]/.test(input)) {
    throw new QrpinError(
      'ERR_HOST_PATTERN_INVALID',
      `host ${describeInput(input)} holds characters a host name cannot have (spaces, /, \\, :, @, ?, #, %, brackets or control characters)`,
    );
  }
  const withoutDot = input.endsWith('.') ? input.slice(0, -1) : input;
  const ascii = domainToASCII(withoutDot).toLowerCase();
  if (ascii === '') {
    throw new QrpinError(
      'ERR_HOST_PATTERN_INVALID',
      `host ${describeInput(input)} is not a valid IDNA host name`,
    );
  }
  if (ascii.length > MAX_HOST) {
    throw new QrpinError(
      'ERR_HOST_PATTERN_INVALID',
      `host ${describeInput(input)} is longer than 253 characters`,
    );
  }
  const labels = ascii.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) {
      throw new QrpinError(
        'ERR_HOST_PATTERN_INVALID',
        `host ${describeInput(input)} has an invalid label ${describeInput(label)}`,
      );
    }
  }
  if (labels.every((l) => /^\d+$/.test(l)) || /^\d+$/.test(labels.at(-1) ?? '')) {
    throw new QrpinError(
      'ERR_HOST_PATTERN_INVALID',
      `host ${describeInput(input)} is an IP address; pin the DNS name clients connect to`,
    );
  }
  return ascii;
}
