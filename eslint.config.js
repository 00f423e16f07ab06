// ESLint flat config: typescript-eslint's type-aware recommended rules for every package.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Node's globals that browsers lack, switched off for the page's modules (configs merge globals).
const nodeOnlyOff = Object.fromEntries(
  Object.keys(globals.node)
    .filter((name) => !(name in globals.browser))
    .map((name) => [name, 'off']),
);

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.runtime/**', '.qrpin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // The dashboard's page: browser globals only, and none of the ways to turn text into HTML or
    // code (every string from the API is attacker-controlled; see docs/dashboard.md).
    files: ['packages/dashboard/public/**/*.js'],
    languageOptions: { globals: { ...nodeOnlyOff, ...globals.browser }, sourceType: 'module' },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-script-url': 'error',
      'no-restricted-properties': [
        'error',
        ...['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'write', 'writeln', 'srcdoc'].map((property) => ({
          property,
          message: 'build nodes with h()/s() and textContent (docs/dashboard.md)',
        })),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='setAttribute'][arguments.0.value=/^(on|style$|src$|srcdoc$)/i]",
          message: 'no event handler, style or src attributes: the CSP forbids them',
        },
        {
          selector:
            "NewExpression[callee.name='DOMParser'], CallExpression[callee.property.name='createContextualFragment']",
          message: 'never parse HTML from strings',
        },
      ],
    },
  },
  {
    files: ['packages/dashboard/index.js'],
    languageOptions: { globals: { ...globals.node }, sourceType: 'module' },
  },
);
