export { QrpinError, describeInput } from './errors/qrpin-error.ts';
export type { QrpinErrorCode, QrpinErrorOptions, SourcePosition } from './errors/qrpin-error.ts';
export { Pin } from './pin/pin.ts';
