// ESLint (flat config) with typescript-eslint's recommended rules for the TypeScript sources,
// and the recommended JavaScript rules for the .mjs scripts. Three import boundaries:
// - src/core/ is pure: no `vscode`, nothing from the editor layer above it (the CLI and the
//   unit tests run it in plain Node);
// - the CLI (src/cli*.ts) stands on core alone;
// - the webview runs in the panel's sandbox and talks to the host only through messages: it
//   imports the protocol and core's pure panel data, no host module.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** src/core/'s boundary, for a file `up` folders below src/: no vscode, nothing above core. */
const pureImports = (up) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'vscode', message: 'src/core/ is pure: no vscode import (the CLI and unit tests run it in Node).' }],
      patterns: [{ group: [`${up}*`, `!${up}core/*`], message: 'src/core/ may not import the editor layer above it.' }],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'training/**', 'models/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  // core's files (and those of its subfolders, `up` being the way up to src/) import only core
  { files: ['src/core/*.ts'], rules: pureImports('../') },
  { files: ['src/core/*/**/*.ts'], rules: pureImports('../../') },
  {
    // the command line stands on core alone: no vscode, no editor-layer file
    files: ['src/cli*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The CLI runs in plain Node: no vscode import.' }],
          patterns: [{ regex: '^\\./(?!core/|cli_)', message: 'The CLI stands on src/core/ alone (and its own cli_*.ts files).' }],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview has no vscode module: it talks to the host through messages.' }],
          patterns: [
            {
              regex: '^\\.\\./src/(?!(panel/protocol|core/panel_data)$)',
              message: "The webview imports only the panel protocol (src/panel/protocol.ts) and core's pure panel data, no host module.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
