/**
 * Listing runs with many finished runs stored (issue 13: `GET /jobs?limit=100` ≤ 50 ms a page, flat
 * in the number of runs: 10k vs 100k ≤ 1.5×). What the API does for that request on the store side:
 * `listRuns({ limit: 100 })` and a `JobSummary` per run (`runSummary`), no task read. Measured on
 * the newest page, on a page deep in the list (reached by page tokens), with a workflow filter and
 * with `state=ACTIVE` (five unfinished runs among them).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { memoryStore, type RunQuery, runSummary, type Store, sqliteStore, TaskState } from 'rnr';
import { figure, median, section } from './report.js';

const WORKFLOWS = 10;
const counts = (state: TaskState) => ({
  UNKNOWN: 0,
  PENDING: 0,
  RUNNING: 0,
  SUCCESS: state === TaskState.SUCCESS ? 10 : 0,
  FAILED: 0,
  SKIPPED: 0,
  ACTION_PENDING: 0,
});

/** A SQLite store holding `n` runs (all finished but the last five), written in one transaction. */
function sqliteWith(dir: string, n: number): Store {
  const file = join(dir, `listing-${n}.db`);
  sqliteStore(file, { synchronous: 'NORMAL' }).close();
  const db = new Database(file);
  const insert =
    db.prepare(`INSERT INTO runs (id, name, workflow, run, input, trigger, started_by, labels, state,
    done, counts, total, created_at, started_at, finished_at, seq, epoch, updated_at)
    VALUES (?, ?, ?, ?, ?, 2, 'bench', '{}', ?, ?, ?, 10, ?, ?, ?, 22, 1, ?)`);
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const workflow = `wf-${i % WORKFLOWS}`;
      const run = Math.floor(i / WORKFLOWS) + 1;
      const state = i >= n - 5 ? TaskState.RUNNING : TaskState.SUCCESS;
      const t = 1_700_000_000_000 + i * 1000;
      insert.run(
        `${workflow}-${run}`,
        workflow,
        workflow,
        run,
        JSON.stringify({ version: `1.${run}.0` }),
        state,
        state === TaskState.SUCCESS ? 1 : 0,
        JSON.stringify(counts(state)),
        t,
        t + 10,
        state === TaskState.SUCCESS ? t + 900 : null,
        t + 900,
      );
    }
    const last = db.prepare('INSERT INTO workflows VALUES (?, ?)');
    for (let w = 0; w < WORKFLOWS; w++) last.run(`wf-${w}`, Math.ceil(n / WORKFLOWS));
  })();
  db.close();
  return sqliteStore(file);
}

/** A memory store holding `n` runs made by createRun, all finished but the last five. */
async function memoryWith(n: number): Promise<Store> {
  const store = memoryStore();
  for (let i = 0; i < n; i++) {
    const { run } = await store.createRun({ workflow: `wf-${i % WORKFLOWS}`, input: { i } });
    if (i >= n - 5) continue;
    const opened = await store.openRun(run);
    await store.commit({
      run: { ...run, state: TaskState.SUCCESS, counts: counts(TaskState.SUCCESS), total: 10 },
      tasks: [],
      events: [],
      ...(opened.fence ? { fence: opened.fence } : {}),
    });
    await store.releaseRun(run.id);
  }
  return store;
}

/** The median time of a page (the listing and the summaries), over `times` runs. */
async function pageMs(store: Store, query: RunQuery, times = 30): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const page = await store.listRuns(query);
    const summaries = page.runs.map(runSummary);
    samples.push(performance.now() - t0);
    if (summaries.length === 0) throw new Error(`empty page for ${JSON.stringify(query)}`);
  }
  return median(samples);
}

/** The page token of the page that starts half way down the list. */
async function middle(store: Store, n: number): Promise<string> {
  let token: string | undefined;
  for (let i = 0; i < n / 2 / 1000; i++) {
    token = (await store.listRuns({ limit: 1000, ...(token ? { pageToken: token } : {}) })).nextPageToken;
  }
  return token as string;
}

interface Figures {
  newest: number;
  deep: number;
  workflow: number;
  active: number;
}

async function measure(store: Store, n: number): Promise<Figures> {
  const deepToken = await middle(store, n);
  await pageMs(store, { limit: 100 }, 5); // warm-up
  return {
    newest: await pageMs(store, { limit: 100 }),
    deep: await pageMs(store, { limit: 100, pageToken: deepToken }),
    workflow: await pageMs(store, { limit: 100, workflow: 'wf-3' }),
    active: await pageMs(store, { limit: 100, states: ['ACTIVE'] }),
  };
}

/** Prints the listing figures of SQLite and memory at 10k and 100k runs, with the 100k/10k ratios. */
export async function listingBench(dir: string): Promise<void> {
  section('listing runs: a page of 100 (listRuns + runSummary), median of 30');
  for (const kind of ['sqliteStore', 'memoryStore'] as const) {
    const at = new Map<number, Figures>();
    for (const n of [10_000, 100_000]) {
      const store = kind === 'sqliteStore' ? sqliteWith(dir, n) : await memoryWith(n);
      at.set(n, await measure(store, n));
      await store.close();
    }
    const small = at.get(10_000) as Figures;
    const large = at.get(100_000) as Figures;
    for (const key of ['newest', 'deep', 'workflow', 'active'] as const) {
      const ratio = large[key] / small[key];
      figure(
        `${kind}, ${key} page: 10k / 100k runs`,
        `${small[key].toFixed(2)} / ${large[key].toFixed(2)} ms (${ratio.toFixed(2)}×)`,
        key === 'newest' ? { text: '≤ 50 ms, ≤ 1.5×', met: large[key] <= 50 && ratio <= 1.5 } : undefined,
      );
    }
  }
}
