// Spawns the real `rnr` binary for the CLI tests and waits on its output, never on the clock.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'rnr.js');

/** The outcome of a finished rnr process. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running rnr process whose output can be awaited line by line. */
export interface RnrProcess {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout (or stderr); rejects on exit or timeout. */
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<Exit>;
}

/** Spawns `node bin/rnr.js …args` with colours off, in the repository (or `cwd`). */
export function spawnRnr(args: string[], env: Record<string, string> = {}, cwd = root): RnrProcess {
  const proc = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...cleanEnv(), NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return follow(proc);
}

/**
 * Spawns a shell command under util-linux `script`, which gives it a pseudo-terminal (so rnr draws
 * its live view), in a process group of its own: `interrupt()` sends SIGINT to all of it, as
 * Ctrl-C would.
 */
export function spawnInTerminal(command: string): RnrProcess & { interrupt(): void } {
  const proc = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: root,
    env: { ...cleanEnv(), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return { ...follow(proc), interrupt: () => proc.pid && process.kill(-proc.pid, 'SIGINT') };
}

/** Collects a child's output and lets a test await lines of it. */
function follow(proc: ChildProcess): RnrProcess {
  const out = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  proc.stdout?.on('data', (d) => {
    out.stdout += d;
    notify();
  });
  proc.stderr?.on('data', (d) => {
    out.stderr += d;
    notify();
  });
  const exited = new Promise<Exit>((done) => {
    proc.on('close', (code, signal) => {
      done({ code, signal, ...out });
      notify();
    });
  });
  let closed = false;
  void exited.then(() => (closed = true));
  return {
    proc,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitFor(re, stream = 'stdout', timeoutMs = 20_000) {
      return new Promise((done, fail) => {
        const check = () => {
          const m = out[stream].match(re);
          if (m) return finish(() => done(m));
          if (closed)
            finish(() =>
              fail(
                new Error(
                  `rnr exited before ${re} appeared.\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`,
                ),
              ),
            );
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              fail(new Error(`timed out waiting for ${re}.\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`)),
            ),
          timeoutMs,
        );
        const finish = (then: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** The test's environment without the variables rnr reads (RNR_SERVER, RNR_TOKEN, …). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('RNR_') && k !== 'FORCE_COLOR'),
  );
}

/**
 * Runs a shell command under util-linux `script`, which gives it a pseudo-terminal (so rnr draws
 * its live view), and resolves when it ends.
 */
export function runInTerminal(command: string): Promise<Exit> {
  const proc = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: root,
    env: { ...cleanEnv(), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  proc.stdout.on('data', (d) => (out.stdout += d));
  proc.stderr.on('data', (d) => (out.stderr += d));
  return new Promise((done) => proc.on('close', (code, signal) => done({ code, signal, ...out })));
}

/** Runs `rnr …args` to completion. */
export function rnr(args: string[], env?: Record<string, string>): Promise<Exit> {
  return spawnRnr(args, env).exited;
}

/** A fresh state directory for one run. */
export function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'rnr-cli-'));
}

/** Starts `rnr run test/fixtures/<fixture>` on a free port; resolves once it serves, with its URL. */
export async function startRun(fixture: string, extra: string[] = [], env?: Record<string, string>) {
  const dir = stateDir();
  const run = spawnRnr(['run', `test/fixtures/${fixture}`, '--port', '0', '--state-dir', dir, ...extra], env);
  const stream = extra.includes('--json') || extra.includes('--quiet') ? 'stderr' : 'stdout';
  const [, url] = await run.waitFor(/serving job \S+ \(.*?\) at (http:\/\/\S+)/, stream);
  return { run, url: url as string, dir };
}

/** True when util-linux `script` is installed ({@link spawnInTerminal} and {@link runInTerminal} need it). */
export function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
