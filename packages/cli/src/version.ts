/** The version of the qrpin CLI. */
export const VERSION = '0.1.0';
