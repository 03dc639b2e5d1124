import fs from 'node:fs';
import path from 'node:path';

/** The policies/ folder at the project root, from source (services/authz) or from a build (dist/services/authz). */
export const POLICIES_DIR: string = (() => {
  const candidates = [path.resolve(__dirname, '..', '..', 'policies'), path.resolve(__dirname, '..', '..', '..', 'policies')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'staff.conf'))) ?? candidates[0];
})();

export const policyFile = (name: string): string => path.join(POLICIES_DIR, name);
