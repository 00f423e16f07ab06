// The dashboard is static files: the server reads them from here once, at start.
import { fileURLToPath } from 'node:url';

/** The absolute path of the dashboard's `public/` directory (with a trailing separator). */
export const publicDir = fileURLToPath(new URL('./public/', import.meta.url));
