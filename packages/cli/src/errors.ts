import { EXIT_CODES, SnowtrailError } from '@snowtrail/protocol';

/** Error codes of the `snowtrail` command itself; documented in docs/errors/cli.md. */
export const CLI_ERRORS = {
  usage: 'SNOWTRAIL_ERR_CLI_USAGE',
  // Raised by the bundled CLI (image, npm package) when a package it does not carry is used.
  unavailable: 'SNOWTRAIL_ERR_CLI_UNAVAILABLE',
} as const;

/** A command line the CLI cannot run: unknown value, malformed flag (exit code 2). */
export class UsageError extends SnowtrailError {
  constructor(message: string) {
    super(CLI_ERRORS.usage, message, { exitCode: EXIT_CODES.usage });
    this.name = 'UsageError';
  }
}
