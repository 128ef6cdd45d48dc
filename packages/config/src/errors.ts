import { SnowtrailError } from '@snowtrail/protocol';

/** Error codes of @snowtrail/config; see docs/errors.md. */
export const CONFIG_ERRORS = {
  invalid: 'SNOWTRAIL_ERR_CONFIG_INVALID',
  unreadable: 'SNOWTRAIL_ERR_CONFIG_UNREADABLE',
} as const;

/** A configuration that cannot be used; `issues` name each offending key. */
export class ConfigError extends SnowtrailError {
  readonly issues: readonly string[];
  constructor(code: string, message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
