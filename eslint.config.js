import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.build/', '.serverless/', 'coverage/', 'dist/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The Serverless Framework loads plugins with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Dependencies point inward (docs/architecture.md): handlers → core → ports, events → model. Only
  // adapters (and the sandbox, which plays AWS) import the AWS SDK; nothing imports back outward.
  {
    files: ['src/core/**/*.ts', 'src/runbooks/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', '**/adapters/**', '**/handlers/**'] }],
    },
  },
  {
    files: ['src/events/**/*.ts', 'src/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@aws-sdk/*', '**/adapters/**', '**/handlers/**', '../core/*', '../runbooks/*'] },
      ],
    },
  },
  {
    files: ['src/model/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@aws-sdk/*',
            '**/adapters/**',
            '**/handlers/**',
            '../core/*',
            '../runbooks/*',
            '../ports/*',
            '../events/*',
          ],
        },
      ],
    },
  },
);
