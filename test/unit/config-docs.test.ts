import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES } from '../../services/config';

// docs/configuration.md's table lists every variable services/config.ts reads, and nothing else.
describe('configuration reference (docs/configuration.md)', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]);

  it('documents every variable the service reads', () => {
    expect(CONFIG_VARIABLES.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('documents no variable the service does not read', () => {
    expect(documented.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });
});
