import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES } from '../../services/config';

// README.md's configuration table lists every variable services/config.ts reads, and nothing else.
describe('README configuration table', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.split('\n## Configuration\n')[1]?.split('\n## ')[0] ?? '';
  const documented = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]);

  it('documents every variable the service reads', () => {
    expect(CONFIG_VARIABLES.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('documents no variable the service does not read', () => {
    expect(documented.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });
});
