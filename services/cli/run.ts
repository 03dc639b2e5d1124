import { describeStartupFailure } from '../operations/startup';

/** Runs a command-line tool: a failure is one clear line on stderr (no stack for known causes) and exit code 1. */
export function runCli(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const { message, code } = describeStartupFailure(err);
    console.error(code === 'startup_failed' && err instanceof Error && err.stack ? err.stack : `error: ${message}`);
    process.exit(1);
  });
}
