/** Writes crds/<name>.yaml and the field table of docs/operator.md from the zod spec; run via `pnpm --filter @snowtrail/operator run generate:crds`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, renderCrdYaml } from './crd-manifest.js';
import { renderCrdReference, spliceReference } from './crd-reference.js';

const target = fileURLToPath(new URL(`../../../../crds/${CRD_FILE}`, import.meta.url));
writeFileSync(target, renderCrdYaml());
process.stdout.write(`wrote ${target}\n`);
const doc = fileURLToPath(new URL('../../../../docs/operator.md', import.meta.url));
writeFileSync(doc, spliceReference(readFileSync(doc, 'utf8'), renderCrdReference()));
process.stdout.write(`wrote ${doc}\n`);
