// Untrusted workspaces: the model path is a restricted setting, so VS Code hands an untrusted
// workspace's value to nobody (Config.modelPath then reads the user value only) and the
// extension declares limited support. This checks the declaration; the behaviour in a real
// untrusted window (the warning, the default model labeling, the workspace model after trusting)
// is tested end to end in test/e2e/trust.e2e.test.mjs.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from './fixtures';

const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));

test('package.json declares bertLstm.modelPath a restricted configuration, with limited support described', () => {
  const trust = pkg.capabilities?.untrustedWorkspaces;
  assert.equal(trust?.supported, 'limited');
  assert.ok(trust.restrictedConfigurations.includes('bertLstm.modelPath'));
  assert.match(trust.description, /model path/);
  // the setting must be one a workspace can set at all, or there is nothing to restrict
  const setting =
    pkg.contributes.configuration.properties?.['bertLstm.modelPath'] ??
    pkg.contributes.configuration.find?.((c: { properties: Record<string, unknown> }) => c.properties['bertLstm.modelPath'])?.properties[
      'bertLstm.modelPath'
    ];
  assert.ok(setting, 'no bertLstm.modelPath setting');
  assert.ok(!['application', 'machine'].includes(setting.scope), `scope ${setting.scope} cannot be set by a workspace`);
});
