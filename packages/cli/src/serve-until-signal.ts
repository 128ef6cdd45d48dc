/** The shared ending of every long-running subcommand (emulator, sidecar, operator). */

/** What serveUntilSignal needs from a logger. */
interface ShutdownLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Resolves once SIGTERM or SIGINT has closed the server. A failed close sets exit code 1 so an
 * orchestrator sees it; the signal handlers are removed so a second signal kills as usual.
 */
export function serveUntilSignal(handle: { close(): Promise<void> }, logger: ShutdownLogger): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      handle.close().then(done, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exitCode = 1;
        done();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
