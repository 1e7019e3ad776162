// The client verbs (`ls`, `get`, `set`, `retry`… `inbox`, and the run verbs `start`, `workflows`,
// `cancel`) as commands of the `rnr` program: their arguments, flags and help. What each verb does
// is in client-verb-actions.ts.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type OperatorOp, stateNames } from '../wire/names.js';
import {
  type ClientFlags,
  clientFor,
  inputJsonOption,
  inputOption,
  withClientOptions,
  withOutput,
  withReason,
} from './args.js';
import {
  type ActionRequest,
  actOnTask,
  cancelRun,
  getJobOrTask,
  inbox,
  listJobs,
  listWorkflows,
  type OutputFormat,
  parallelismRequest,
  setStateRequest,
  startRun,
} from './client-verb-actions.js';
import { parseInputFlags } from './input-args.js';

const parseCount = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
};

interface VerbFlags extends ClientFlags {
  output: OutputFormat;
  reason?: string;
  message?: string;
  json?: boolean;
  follow?: boolean;
}

const simpleActions: {
  verb: Exclude<OperatorOp, 'state' | 'parallelism'>;
  done: string;
  about: string;
}[] = [
  {
    verb: 'retry',
    done: 'retried',
    about: 'retry a task: back to PENDING, attempt + 1 (reopens its DONE ancestors)',
  },
  { verb: 'skip', done: 'skipped', about: 'skip a task: SKIPPED, counts as done for its parent' },
  {
    verb: 'approve',
    done: 'approved',
    about: 'approve an ACTION_PENDING task: back to RUNNING, approval recorded',
  },
  {
    verb: 'pause',
    done: 'paused',
    about: 'pause a task: not started, not polled; a paused nested task starts no children',
  },
  { verb: 'resume', done: 'resumed', about: 'resume a paused task' },
];

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;

/**
 * Registers the client verbs (`ls`, `get`, `set`, `retry`, `skip`, `approve`, `pause`, `resume`,
 * `parallelism`, `watch`, `inbox`) on the program; `done` receives each one's exit code.
 */
export function registerClientVerbs(program: Command, done: (code: number) => void): void {
  const verb = (name: string) => withClientOptions(program.command(name));

  withOutput(verb('ls'), ['table', 'json'])
    .description('list the unfinished runs on a server, newest first (--all: finished ones too)')
    .option('-a, --all', 'finished runs too', false)
    .option('-w, --workflow <name>', 'only runs of this workflow')
    .addOption(new Option('--limit <n>', 'at most this many runs').argParser(parseCount).default(100))
    .addHelpText(
      'after',
      examples(
        'rnr ls',
        'rnr ls --all --workflow rolling-upgrade',
        'rnr ls -o json --server http://ops-box:7300',
      ),
    )
    .action(async (flags: VerbFlags & { all: boolean; workflow?: string; limit: number }) =>
      listJobs(clientFor(flags), flags.output, {
        all: flags.all,
        limit: flags.limit,
        ...(flags.workflow !== undefined && { workflow: flags.workflow }),
      }),
    );

  withOutput(verb('workflows'), ['table', 'json'])
    .description('list the workflows a server hosts, with their input and limits')
    .addHelpText('after', examples('rnr workflows', 'rnr workflows -o json | jq .workflows[0].inputSchema'))
    .action(async (flags: VerbFlags) => listWorkflows(clientFor(flags), flags.output));

  withOutput(verb('start'), ['text', 'json'])
    .description("start a run of a workflow on a server (rnr serve); prints the run's id")
    .argument('<workflow>', 'workflow name (rnr workflows lists them)')
    .addOption(inputOption())
    .addOption(inputJsonOption())
    .option('-f, --follow', 'watch the run and exit with its outcome, like rnr run', false)
    .addHelpText(
      'after',
      examples(
        'rnr start rolling-upgrade --input version=1.6.0',
        'rnr start rolling-upgrade --input version=1.6.0 --follow',
        `rnr start drain --input-json '{"nodes":["a","b"]}' --as alice`,
      ),
    )
    .action(
      async (
        workflow: string,
        flags: VerbFlags & { input: string[]; inputJson?: string; follow: boolean },
      ) => {
        const api = clientFor(flags);
        const inputFlags = {
          pairs: flags.input,
          ...(flags.inputJson !== undefined && { inputJson: flags.inputJson }),
        };
        // Checked before any request: a bad flag starts nothing.
        parseInputFlags(inputFlags);
        const id = await startRun(
          api,
          workflow,
          (schema) => parseInputFlags(inputFlags, schema),
          flags.input.length > 0,
          flags.follow ? 'text' : flags.output,
        );
        if (!flags.follow) return;
        const { watchCommand } = await import('./watch-command.js');
        done(await watchCommand(api, id, { json: false, follow: false }));
      },
    );

  withReason(withOutput(verb('cancel'), ['text', 'json']))
    .description('cancel a run: polling stops, unfinished tasks end SKIPPED with the reason')
    .argument('<run>', 'run id, e.g. rolling-upgrade-3')
    .addHelpText('after', examples("rnr cancel rolling-upgrade-3 --reason 'wrong version' --as alice"))
    .action(async (run: string, flags: VerbFlags) =>
      cancelRun(clientFor(flags), run, flags.reason, flags.output),
    );

  withOutput(verb('get'), ['tree', 'json'])
    .description('show a job (or one task) as a tree of tasks with states, or as JSON')
    .argument('<job>', 'job id')
    .argument('[task]', 'task id (ids contain /, e.g. upgrade/nodes/node-3)')
    .addHelpText('after', examples('rnr get upgrade', 'rnr get upgrade upgrade/nodes/node-3 -o json'))
    .action(async (job: string, task: string | undefined, flags: VerbFlags) =>
      getJobOrTask(clientFor(flags), job, task, flags.output),
    );

  const act = (job: string, task: string, request: ActionRequest, flags: VerbFlags) =>
    actOnTask(clientFor(flags), job, task, request, flags.output);

  withReason(withOutput(verb('set'), ['text', 'json']))
    .description('set a task to any state (an operator override)')
    .argument('<job>', 'job id')
    .argument('<task>', 'task id')
    .argument('<state>', `one of ${stateNames.join(', ')}`)
    .option('-m, --message <text>', 'status line to show on the task')
    .addHelpText(
      'after',
      examples("rnr set upgrade upgrade/nodes/node-3 SUCCESS -m 'fixed by hand' --reason 'INC-123'"),
    )
    .action(async (job: string, task: string, state: string, flags: VerbFlags) =>
      act(job, task, setStateRequest(state, flags.message, flags.reason), flags),
    );

  for (const { verb: name, done: past, about } of simpleActions) {
    withReason(withOutput(verb(name), ['text', 'json']))
      .description(about)
      .argument('<job>', 'job id')
      .argument('<task>', 'task id')
      .addHelpText(
        'after',
        examples(`rnr ${name} upgrade upgrade/nodes/node-3 --reason 'checked the dashboards' --as alice`),
      )
      .action(async (job: string, task: string, flags: VerbFlags) =>
        act(
          job,
          task,
          { action: name, body: flags.reason ? { reason: flags.reason } : {}, done: past },
          flags,
        ),
      );
  }

  withReason(withOutput(verb('parallelism'), ['text', 'json']))
    .description('set how many children of a nested task may run at once')
    .argument('<job>', 'job id')
    .argument('<task>', 'nested task id')
    .argument('<n>', 'an integer of at least 1')
    .addHelpText('after', examples('rnr parallelism upgrade upgrade/nodes 4 --reason "canary looks good"'))
    .action(async (job: string, task: string, n: string, flags: VerbFlags) =>
      act(job, task, parallelismRequest(n, flags.reason), flags),
    );

  verb('watch')
    .description('follow a job live over the WebSocket event stream; exits 0/1 when it ends')
    .argument('<job>', 'job id')
    .option('--json', 'print events as JSON lines')
    .option('-f, --follow', 'keep watching after the job ends (a retry may reopen it)')
    .addHelpText('after', examples('rnr watch upgrade', 'rnr watch upgrade --json | jq .taskId'))
    .action(async (job: string, flags: VerbFlags) => {
      const { watchCommand } = await import('./watch-command.js');
      done(
        await watchCommand(clientFor(flags), job, {
          json: flags.json ?? false,
          follow: flags.follow ?? false,
        }),
      );
    });

  withOutput(verb('inbox'), ['table', 'json'])
    .description('tasks waiting for a human (ACTION_PENDING) and FAILED ones, across all jobs')
    .addHelpText('after', examples('rnr inbox', 'rnr inbox -o json'))
    .action(async (flags: VerbFlags) => inbox(clientFor(flags), flags.output));
}
