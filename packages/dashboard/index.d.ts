/**
 * The absolute path of the dashboard's `public/` directory (with a trailing separator): the page
 * (`index.html`), its ES modules and its style sheet, served by `qrpin serve` at `/` and `/assets/`.
 *
 * @example
 * ```ts
 * import { publicDir } from '@qrpin/dashboard';
 * const html = readFileSync(join(publicDir, 'index.html'));
 * ```
 */
export declare const publicDir: string;
