import { Command, CommanderError, Option } from 'commander';
import {
  type ClientFlags,
  inputJsonOption,
  inputOption,
  parsePort,
  storeFlagsOf,
  withServingOptions,
} from './args.js';
import { registerClientVerbs } from './client-verb-commands.js';
import { ExitCode, exitCodeFor, reportError } from './exit-codes.js';
import { printable } from './format.js';
import { packageVersion } from './package-version.js';
import { registerServeCommand } from './serve-command-args.js';

/** Examples shown under `rnr --help`. */
const topExamples = `
Examples:
  $ rnr run upgrade.ts --input version=1.6.0       # run a workflow, serve its API on :7300
  $ rnr serve workflows/                            # host every workflow found, start runs by API
  $ rnr start rolling-upgrade --input version=1.6.0 --follow
  $ rnr ls --all                                    # runs, newest first
  $ rnr inbox                                       # what waits for a human, across jobs
  $ rnr approve upgrade upgrade/approve-prod --reason "staging green"
  $ rnr get upgrade                                 # the task tree with states
  $ rnr watch upgrade --server http://ops-box:7300  # follow a remote job live
  $ rnr machines export                             # rnr's statecharts as JSON for Stately's tools

Run \`rnr <command> --help\` for the flags and examples of a command. Docs: docs/cli.md`;

/** Examples shown under `rnr run --help`. */
const runExamples = `
Examples:
  $ rnr run upgrade.ts --input version=1.6.0  # resumes the unfinished run, else starts one
  $ rnr run upgrade.ts --new --input-json '{"version":"1.6.0"}'
  $ rnr run upgrade.ts --port 8080 --store sqlite:/var/lib/rnr/rnr.db
  $ RNR_TOKEN=s3cret rnr run upgrade.ts --host 0.0.0.0
  $ rnr run upgrade.ts --json > events.jsonl   # one TaskEvent per line
  $ rnr run upgrade.ts --hold                  # keep serving after the job ends
  $ rnr run upgrade.ts --inspect               # open the printed inspector URL in a browser

The workflow's default export is a workflow:
  export default workflow({ name: 'upgrade', input: schema, build: (input) => rootTask });
rnr makes each run's Job with the command's store. The older forms (a Job, or a function of
{ store, clock, pollIntervalMs?, inspect? } returning one) run as one run without input; a job
whose state would live in memory is refused. .ts/.mts/.cts/.js/.mjs/.cjs, ESM or CommonJS.

Exit codes: 0 SUCCESS, 1 FAILED, 2 bad workflow/flags/input/port in use, 130 SIGINT, 143 SIGTERM.`;

/** Examples shown under `rnr machines export --help`. */
const machinesExamples = `
Examples:
  $ rnr machines export                 # ./machines-json/{task,nested,job}.json
  $ rnr machines export docs/charts     # then import a file in Stately's editor or visualizer`;

/**
 * Builds the `rnr` command line. `done` receives the exit code a command resolved with.
 */
export function buildProgram(done: (code: number) => void): Command {
  const version = packageVersion();
  const program = new Command('rnr')
    .description(
      'Run workflow-based ops jobs and steer them: rnr run <workflow.ts>, then rnr get/approve/retry/... from anywhere.',
    )
    .version(version, '-V, --version')
    .option('--debug', 'print stack traces on errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(oneLine(text)) })
    .addHelpText('after', topExamples);

  const run = program
    .command('run')
    .description('run a workflow file: serve its API and web view, show live progress, exit with its outcome')
    .argument(
      '<file>',
      'workflow module (.ts or .js) whose default export is a Job or a function returning one',
    );
  withServingOptions(run, "the workflow's, else 5000")
    .addOption(inputOption())
    .addOption(inputJsonOption())
    .option('--new', 'start a new run even when one of the workflow is unfinished', false)
    .option('--hold', 'keep serving after the run ends, until Ctrl-C', false)
    .addOption(
      new Option('-q, --quiet', 'no event output (start and end lines only, on stderr)')
        .default(false)
        .conflicts('json'),
    )
    .option('--json', 'print events as JSON lines on stdout (other lines go to stderr)', false)
    .option('--inspect', "attach Stately's inspector (@statelyai/inspect) to the job's actors", false)
    .addOption(
      new Option('--inspect-port <n>', 'port of the inspector relay, on 127.0.0.1 (0: any free port)')
        .argParser(parsePort)
        .default(7301)
        .implies({ inspect: true }),
    )
    .addHelpText('after', runExamples)
    .action(async (file: string, flags: RunFlags) => {
      const { runCommand } = await import('./run-command.js');
      done(
        await runCommand(file, {
          port: flags.port,
          host: flags.host,
          // An empty RNR_TOKEN= means no token, as it does for every other tool.
          token: flags.token || undefined,
          viewerToken: flags.viewerToken || undefined,
          ...storeFlagsOf(flags),
          pairs: flags.input,
          ...(flags.inputJson !== undefined && { inputJson: flags.inputJson }),
          new: flags.new,
          pollInterval: flags.pollInterval,
          hold: flags.hold,
          quiet: flags.quiet,
          json: flags.json,
          stopTimeoutMs: flags.stopTimeout,
          ...(flags.inspect ? { inspectPort: flags.inspectPort } : {}),
        }),
      );
    });

  const machines = program
    .command('machines')
    .description("rnr's own statecharts (task, nested scheduling, job ticker) for XState tooling");
  machines
    .command('export')
    .description("write each of rnr's statecharts as JSON (machine.toJSON()) for Stately's tools")
    .argument(
      '[dir]',
      'directory to write task.json, nested.json and job.json into (created)',
      './machines-json',
    )
    .addHelpText('after', machinesExamples)
    .action(async (dir: string) => {
      const { exportMachines } = await import('./machines-command.js');
      await exportMachines(dir);
      done(ExitCode.SUCCESS);
    });

  registerServeCommand(program, done);
  registerClientVerbs(program, done);
  return program;
}

interface RunFlags extends Omit<ClientFlags, 'server' | 'as'> {
  port: number;
  host: string;
  viewerToken?: string;
  store?: string;
  stateDir?: string;
  input: string[];
  inputJson?: string;
  new: boolean;
  pollInterval?: number;
  hold: boolean;
  quiet: boolean;
  json: boolean;
  stopTimeout: number;
  inspect: boolean;
  inspectPort: number;
}

/**
 * Runs the `rnr` command line and resolves with its exit code; errors are reported as one line
 * on stderr (stack traces with `--debug` or `RNR_DEBUG=1`).
 *
 * @example
 * const code = await runCli(['get', 'upgrade', '-o', 'json']);
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug') || process.env.RNR_DEBUG === '1';
  let code: number = ExitCode.SUCCESS;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    // Commander has already printed its own message (or the help) for parse errors.
    if (!(err instanceof CommanderError)) reportError(err, debug);
    return exitCodeFor(err);
  }
}

/** The `rnr` bin's entry point: runs the command line and exits with its code. */
export async function main(argv: readonly string[]): Promise<void> {
  // `rnr run --json | head -1`: a reader that went away is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  process.exit(await runCli(argv));
}

function oneLine(text: string): string {
  const flat = printable(text)
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return `rnr: ${flat}\n`;
}
