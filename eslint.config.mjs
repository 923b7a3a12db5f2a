import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['node_modules/**', 'dist/**', '.kryonix/**', '.nx/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // The arrows point inward: domain <- platform <- registry/modules <- provisioning <- fleet <- tenants <- apps.
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:domain'] },
            { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:domain', 'type:platform'] },
            { sourceTag: 'type:modules', onlyDependOnLibsWithTags: ['type:domain', 'type:platform'] },
            { sourceTag: 'type:routes', onlyDependOnLibsWithTags: ['type:domain', 'type:platform', 'type:data'] },
            { sourceTag: 'type:provisioning', onlyDependOnLibsWithTags: ['type:domain', 'type:platform', 'type:data', 'type:modules'] },
            { sourceTag: 'type:fleet', onlyDependOnLibsWithTags: ['type:domain', 'type:platform', 'type:data', 'type:modules', 'type:provisioning'] },
            { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:domain', 'type:platform', 'type:data', 'type:modules', 'type:routes', 'type:provisioning', 'type:fleet'] },
            { sourceTag: 'type:web', onlyDependOnLibsWithTags: ['type:domain', 'type:routes'] },
            { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: ['type:domain'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:platform', 'type:data', 'type:modules', 'type:routes', 'type:provisioning', 'type:fleet', 'type:application', 'type:web', 'type:sdk'] },
            // The data plane serves tenants: it never provisions, migrates or runs the control plane's use cases (checked transitively).
            { sourceTag: 'scope:data-plane', notDependOnLibsWithTags: ['type:provisioning', 'type:fleet', 'type:application'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:platform', 'type:data', 'type:modules', 'type:routes', 'type:provisioning', 'type:fleet', 'type:application'] },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON bodies and catalog rows loosely; the code under test is typed.
    files: ['**/*.spec.ts', 'libs/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests may use the testing helpers and any library.
    files: ['**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [{ sourceTag: '*', onlyDependOnLibsWithTags: ['type:domain', 'type:platform', 'type:data', 'type:modules', 'type:routes', 'type:provisioning', 'type:fleet', 'type:application', 'type:testing', 'type:web', 'type:sdk'] }],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
