import * as fs from 'fs';
import * as path from 'path';

/** The upstream reference data, read in place (never copied into the repo). */
export const SHARED_REFERENCE = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'karpenter');
export const CATALOG_FILE = path.join(SHARED_REFERENCE, 'instance-types.json');

let cached: any;
export function catalogJson(): { instanceTypes: any[] } {
  cached ??= JSON.parse(fs.readFileSync(CATALOG_FILE, 'utf8'));
  return cached;
}
