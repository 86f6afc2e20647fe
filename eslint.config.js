// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import astro from 'eslint-plugin-astro';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      '.astro/',
      'node_modules/',
      '.lab-work/',
      'test-results/',
      'playwright-report/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...astro.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Code that runs in the browser: the dashboard's and the classroom's scripts, and the site's client scripts.
    files: [
      'sandboxes/platform/dashboard/**/*.js',
      'sandboxes/platform/classroom/**/*.js',
      'src/**/*.client.ts',
    ],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    rules: {
      // An underscore marks a parameter that a callback's signature requires but this code does not use.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
);
