import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { sidecarConfigSchema, type SidecarConfig } from './sidecar-config-schema.js';
import { CONFIG_ERRORS, ConfigError } from './errors.js';

/** Renders a zod issue as `key.path: message`, naming the key the user has to fix. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return `${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''}`;
  }
  return `${path || '(root)'}: ${issue.message}`;
}

/** Validates an already-parsed config object; throws ConfigError naming every bad key. */
export function validateSidecarConfig(value: unknown, source = 'config'): SidecarConfig {
  const result = sidecarConfigSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map(describeIssue);
  throw new ConfigError(CONFIG_ERRORS.invalid, `${source} is invalid:\n  ${issues.join('\n  ')}`, issues);
}

/** Parses YAML (or JSON) text into a validated config; throws ConfigError. */
export function parseSidecarConfig(text: string, source = 'config'): SidecarConfig {
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError(CONFIG_ERRORS.invalid, `${source} is not valid YAML: ${(err as Error).message}`, [], { cause: err });
  }
  return validateSidecarConfig(value, source);
}
