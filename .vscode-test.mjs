// @vscode/test-cli configuration: the extension-host suites run in real VS Code (code-server)
// through test/harness/vscode-launcher.mjs, which stands in for the desktop executable.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  label: 'extension-host',
  files: 'out/test/suite/**/*.test.js',
  workspaceFolder: './samples',
  useInstallation: { fromPath: './test/harness/vscode-launcher.mjs' },
  mocha: { ui: 'tdd', timeout: 120_000, color: false },
});
