// Type-aware linting: catches floating promises and unsafe `any` flows the compiler allows.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // client/src is generated (npm run client) and checked by the contract test, not by hand.
  { ignores: ['dist/**', '.build-*/**', 'node_modules/**', 'data/**', 'coverage/**', 'client/src/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Tests never sleep: a fixed pause before an assertion passes or fails with the machine's speed.
  // They wait for a condition with a bound (test/support/wait.ts, expect.poll) or for an event.
  {
    files: ['test/**/*.ts'],
    ignores: ['test/support/wait.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Wait for a condition (waitFor in test/support/wait.ts, expect.poll) or an event, never a fixed time.' }],
      'no-restricted-properties': ['error', { object: 'globalThis', property: 'setTimeout', message: 'Wait for a condition or an event, never a fixed time.' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'node:timers/promises', message: 'Wait for a condition or an event, never a fixed time.' }] }],
      // Playwright's own fixed pause; and a short bound on a wait, which asserts speed ("shows
      // within 3 s") on a machine whose speed the test does not own.
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='waitForTimeout']", message: 'Wait for a condition or an event, never a fixed time.' },
        {
          selector: "CallExpression[callee.property.name='waitFor'] Property[key.name='timeout'][value.value<5000]",
          message: 'A short bound asserts speed: assert what must (not) happen (requests, reloads), and keep the context default.',
        },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  // The service worker runs in the browser's worker scope.
  { files: ['web/public/sw.js'], languageOptions: { globals: { self: 'readonly', caches: 'readonly', fetch: 'readonly', URL: 'readonly', Response: 'readonly' } } },
);
