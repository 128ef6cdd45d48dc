/** Writes crds/<name>.yaml from the zod spec; run via `pnpm --filter @snowtrail/operator run generate:crds`. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, renderCrdYaml } from './crd-manifest.js';

const target = fileURLToPath(new URL(`../../../../crds/${CRD_FILE}`, import.meta.url));
writeFileSync(target, renderCrdYaml());
process.stdout.write(`wrote ${target}\n`);
