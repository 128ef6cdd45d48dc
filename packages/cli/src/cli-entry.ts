/**
 * How to start this CLI again as a child process (the demo runs `snowtrail sessions …` as an auditor
 * would). main.ts records its own file in SNOWTRAIL_CLI_ENTRY: the TypeScript source under tsx in
 * development, the bundle in the image. Without it (a test importing the demo), the source is run
 * through tsx.
 */
import { fileURLToPath } from 'node:url';

/** The command and arguments that run `snowtrail`. */
export function cliInvocation(env: NodeJS.ProcessEnv = process.env): { command: string; args: string[] } {
  const entry = env.SNOWTRAIL_CLI_ENTRY ?? fileURLToPath(new URL('./main.ts', import.meta.url));
  return { command: process.execPath, args: entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry] };
}
