import { userInfo } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { defaultServer } from './event-printers.js';
import { type ApiClient, createApiClient } from './http-client.js';

/** Parses `--port`: an integer 0–65535 (0 picks a free port). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port number 0-65535 (0: any free port).');
  return n;
}

/** Parses a positive integer of milliseconds (`--poll-interval`, `--stop-timeout`). */
export function parseMillis(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('expected a whole number of milliseconds, at least 1.');
  }
  return n;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `--input key=value`, repeatable. */
export function inputOption(): Option {
  return new Option(
    '--input <key=value>',
    "the run's input: one key (dotted keys nest), typed by the workflow's input schema; repeatable",
  )
    .argParser(collect)
    .default([]);
}

/** `--input-json JSON`: the whole input (then `--input` is set over it). */
export function inputJsonOption(): Option {
  return new Option('--input-json <json>', "the run's input as a JSON object (--input keys are set over it)");
}

/**
 * The options `rnr run` and `rnr serve` share: where to listen, the tokens, the store, the poll
 * interval (`pollDefault` says what applies without it), and `--stop-timeout`.
 */
export function withServingOptions(cmd: Command, pollDefault: string): Command {
  return cmd
    .addOption(
      new Option('-p, --port <n>', 'port of the API and web view (0: any free port)')
        .argParser(parsePort)
        .default(7300),
    )
    .option('--host <host>', 'address to listen on (beyond loopback needs --token)', '127.0.0.1')
    .addOption(new Option('--token <token>', 'operator token the API requires (Bearer)').env('RNR_TOKEN'))
    .addOption(
      new Option('--viewer-token <token>', 'read-only token for the API and web view').env(
        'RNR_VIEWER_TOKEN',
      ),
    )
    .addOption(
      new Option(
        '--store <url>',
        'where runs live: sqlite:PATH (relative to here) or postgres://…; default sqlite:.rnr/rnr.db',
      ),
    )
    .addOption(new Option('--state-dir <dir>', 'where runs live: SQLite in <dir>/rnr.db (default .rnr)'))
    .addOption(
      new Option('--poll-interval <ms>', `tick every <ms> (default: ${pollDefault})`).argParser(parseMillis),
    )
    .addOption(
      new Option('--stop-timeout <ms>', 'on Ctrl-C, how long polls in flight may take to settle')
        .argParser(parseMillis)
        .default(10_000),
    );
}

/** The store flags as `storeFromFlags` takes them (`RNR_STORE` read here). */
export function storeFlagsOf(flags: { store?: string; stateDir?: string }): {
  store?: string;
  stateDir?: string;
  env?: string;
} {
  return {
    ...(flags.store !== undefined && { store: flags.store }),
    ...(flags.stateDir !== undefined && { stateDir: flags.stateDir }),
    ...(process.env.RNR_STORE ? { env: process.env.RNR_STORE } : {}),
  };
}

/** The flags every client verb shares, as parsed by commander. */
export interface ClientFlags {
  server: string;
  token?: string;
  as?: string;
}

/** Adds `--server`, `--token` and `--as` (with their environment variables) to a client verb. */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('-s, --server <url>', 'the rnr server to talk to').env('RNR_SERVER').default(defaultServer),
    )
    .addOption(new Option('--token <token>', 'API token (Authorization: Bearer)').env('RNR_TOKEN'))
    .addOption(
      new Option(
        '--as <name>',
        'who is acting, recorded on the event (X-Rnr-Actor); default your user name',
      ).env('RNR_ACTOR'),
    );
}

/** Adds `--reason` to an operator verb. */
export function withReason(cmd: Command): Command {
  return cmd.option('-r, --reason <text>', 'why, recorded on the event (the audit trail)');
}

/** Adds `-o, --output <format>` with the given choices (the first is the default). */
export function withOutput(cmd: Command, choices: string[]): Command {
  const [first] = choices;
  return cmd.addOption(new Option('-o, --output <format>', 'output format').choices(choices).default(first));
}

/** The API client for a client verb's flags. */
export function clientFor(flags: ClientFlags): ApiClient {
  return createApiClient({
    server: flags.server || defaultServer,
    token: flags.token || undefined,
    actor: flags.as || currentUser(),
  });
}

function currentUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}
