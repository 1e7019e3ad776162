import { type Command, InvalidArgumentError, Option } from 'commander';
import { inputJsonOption, inputOption, parseMillis, storeFlagsOf, withServingOptions } from './args.js';

const serveExamples = `
Examples:
  $ rnr serve examples/                          # every workflow under examples/
  $ rnr serve upgrade.ts drain.ts --store sqlite:/var/lib/rnr/rnr.db
  $ rnr serve upgrade.ts --start rolling-upgrade --input version=1.6.0
  $ RNR_TOKEN=s3cret rnr serve workflows/ --host 0.0.0.0

Each file's default export must be a workflow(); in a directory (searched recursively, skipping
node_modules, dot directories and *.test.* / *.spec.* files), modules exporting anything else are
skipped. Unfinished runs are resumed; --start starts a run unless one of that workflow is
unfinished. SIGINT/SIGTERM: polls in flight settle (up to --stop-timeout), then exit 0.

Several processes can share one PostgreSQL database (--store postgres://…): each run is executed
by one of them under a lease (--lease-ms), new runs go to a process with room (--max-runs), and a
process that dies or hangs has its runs taken over by another (docs/cluster.md).`;

/** `--max-runs N`: a positive whole number. */
function parseMaxRuns(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a whole number of runs, at least 1.');
  return n;
}

interface ServeFlags {
  port: number;
  host: string;
  token?: string;
  viewerToken?: string;
  store?: string;
  stateDir?: string;
  pollInterval?: number;
  start?: string;
  input: string[];
  inputJson?: string;
  stopTimeout: number;
  leaseMs?: number;
  maxRuns?: number;
}

/** Registers `rnr serve <file|dir>…`. */
export function registerServeCommand(program: Command, done: (code: number) => void): void {
  const serve = program
    .command('serve')
    .description('host the workflows of files and directories: API and web view, runs started on request')
    .argument('<paths...>', 'workflow files, or directories to search for them');
  withServingOptions(serve, "each workflow's, else 5000")
    .option('--start <workflow>', 'start a run of this workflow at startup, unless one is unfinished')
    .addOption(inputOption())
    .addOption(inputJsonOption())
    .addOption(
      new Option(
        '--lease-ms <ms>',
        "PostgreSQL: how long a run's lease lasts, 1000-3600000; renewed every 2/15 of it (default 15000)",
      ).argParser(parseMillis),
    )
    .addOption(
      new Option(
        '--max-runs <n>',
        'PostgreSQL: at most this many runs executed by this process (default 1000)',
      ).argParser(parseMaxRuns),
    )
    .addHelpText('after', serveExamples)
    .action(async (paths: string[], flags: ServeFlags) => {
      const { serveCommand } = await import('./serve-command.js');
      done(
        await serveCommand(paths, {
          port: flags.port,
          host: flags.host,
          token: flags.token || undefined,
          viewerToken: flags.viewerToken || undefined,
          ...storeFlagsOf(flags),
          ...(flags.pollInterval !== undefined && { pollInterval: flags.pollInterval }),
          ...(flags.start !== undefined && { start: flags.start }),
          pairs: flags.input,
          ...(flags.inputJson !== undefined && { inputJson: flags.inputJson }),
          stopTimeoutMs: flags.stopTimeout,
          ...(flags.leaseMs !== undefined && { leaseMs: flags.leaseMs }),
          ...(flags.maxRuns !== undefined && { maxRuns: flags.maxRuns }),
        }),
      );
    });
}
