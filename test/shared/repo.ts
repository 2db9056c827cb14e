// The repository's root, for test code that runs compiled (out/test/...) or from source (test/...).
import * as path from 'node:path';

/** The repository's root, from out/test/shared (compiled) or test/shared (source). */
export function repoRoot(): string {
  const above = path.resolve(__dirname, '..', '..');
  return path.basename(above) === 'out' ? path.dirname(above) : above;
}
