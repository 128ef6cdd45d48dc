import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { serveUntilSignal } from '../serve-until-signal.js';
import { parseSidecarConfig, type SidecarConfig } from '@snowtrail/config';

/** Exit code for a config the sidecar cannot start with (same as a usage error). */
const EXIT_CONFIG = 2;

/** Reads and validates the config; prints what is wrong (naming the keys) and exits 2 on failure. */
async function loadConfig(path: string): Promise<SidecarConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    process.stderr.write(`snowtrail sidecar: cannot read ${path}: ${(err as Error).message} (SNOWTRAIL_ERR_CONFIG_UNREADABLE)\n`);
    throw new CommanderError(EXIT_CONFIG, 'snowtrail.config', 'config unreadable');
  }
  try {
    return parseSidecarConfig(text, path);
  } catch (err) {
    const e = err as Error & { code?: string };
    process.stderr.write(`snowtrail sidecar: ${e.message}${e.code ? ` (${e.code})` : ''}\n`);
    throw new CommanderError(EXIT_CONFIG, 'snowtrail.config', 'config invalid');
  }
}

/** Registers `snowtrail sidecar --config <file.yaml>`: the proxy process injected into pipeline pods. */
export function register(program: Command): void {
  program
    .command('sidecar')
    .description('Run the sidecar proxy: verify pod identity, enforce the statement policy, record every statement and result')
    .requiredOption('-c, --config <file>', 'sidecar config file (YAML or JSON), watched for policy changes', '/etc/snowtrail/config.yaml')
    .option('--check', 'validate the config file and exit')
    .action(async (opts: { config: string; check?: boolean }) => {
      const path = resolve(opts.config);
      const config = await loadConfig(path);
      if (opts.check) {
        process.stdout.write(`snowtrail sidecar: ${path} is valid (policy ${config.policy.name}, generation ${config.policy.generation})\n`);
        return;
      }
      // Loaded only now, so `--check` and config errors stay fast.
      const { startSidecar, createSidecarLogger } = await import('@snowtrail/sidecar');
      const logger = createSidecarLogger(config.logLevel);
      const handle = await startSidecar({ config, configPath: path, logger });
      process.stdout.write(`snowtrail sidecar listening on ${handle.url}\n`);
      await serveUntilSignal(handle, logger);
      logger.flush();
    });
}
