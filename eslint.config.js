// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const bareErrors = {
  selector: 'ThrowStatement > NewExpression[callee.name=/^(Error|TypeError|RangeError)$/]',
  message: 'Library code throws a DscsError subclass with a stable code, never a bare Error.'
}

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/src/gen/**', '**/node_modules/**', '**/.turbo/**', '**/coverage/**']
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Implementing an async port synchronously (a memory store) is legitimate.
      '@typescript-eslint/require-await': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'off'
    }
  },
  {
    // Library sources: typed errors only, and no Node built-ins outside the Node entry.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/*/src/node/**', 'packages/*/src/**/*.node.ts'],
    rules: {
      'no-restricted-syntax': ['error', bareErrors],
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'Node-only code lives under src/node/ (the "./node" entry).' }] }]
    }
  },
  {
    files: ['packages/*/src/node/**/*.ts', 'packages/*/src/**/*.node.ts'],
    rules: { 'no-restricted-syntax': ['error', bareErrors] }
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked
  }
)
