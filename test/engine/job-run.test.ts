import {
  callbackTask,
  createJob,
  memoryStore,
  nestedTask,
  RunTrigger,
  runSnapshot,
  runSummary,
  TaskState,
  taskTreeFromRecords,
} from 'rnr';
import { describe, expect, it } from 'vitest';

const fleet = () =>
  nestedTask({
    id: 'fleet',
    name: 'fleet',
    parallelism: 2,
    children: [
      nestedTask({
        id: 'zone-b',
        name: 'zone b',
        failFast: false,
        children: [callbackTask({ id: 'vm-3', name: 'vm 3', poll: () => true, labels: { os: 'debian' } })],
      }),
      callbackTask({ id: 'vm-1', name: 'vm 1', poll: () => 'ACTION_PENDING' }),
      callbackTask({ id: 'vm-2', name: 'vm 2', poll: () => undefined }),
    ],
  });

describe('a job is a run', () => {
  it('created without `run`: run 1 of a workflow named as its id', async () => {
    const job = createJob({ id: 'deploy', name: 'Deploy', root: fleet() });
    expect(job.summary()).toMatchObject({
      id: 'deploy',
      workflow: 'deploy',
      run: 1,
      input: {},
      trigger: RunTrigger.TRIGGER_UNSPECIFIED,
      startedBy: '',
    });
    await job.close();
  });

  it('created with a run from store.createRun: snapshot and summary carry it, the store keeps its record', async () => {
    const store = memoryStore();
    const { run } = await store.createRun({
      workflow: 'upgrade',
      name: 'Upgrade',
      input: { version: '1.6.0' },
      trigger: RunTrigger.API,
      startedBy: 'alice',
      labels: { team: 'infra' },
    });
    const job = createJob({ name: 'Upgrade', root: fleet(), store, run });
    expect(job.id).toBe('upgrade-1');
    const fields = {
      workflow: 'upgrade',
      run: 1,
      input: { version: '1.6.0' },
      trigger: RunTrigger.API,
      startedBy: 'alice',
    };
    expect(job.snapshot()).toMatchObject(fields);
    await job.tick();
    expect(job.summary()).toMatchObject({ ...fields, createdAt: run.createdAt, state: TaskState.RUNNING });
    // What the store lists is what the job sums up, without reading a task.
    const [listed] = (await store.listRuns({ workflow: 'upgrade' })).runs;
    expect(listed).toMatchObject({
      ...fields,
      labels: { team: 'infra' },
      state: TaskState.RUNNING,
      seq: job.seq,
    });
    const { halted: _none, ...summary } = job.summary();
    expect(runSummary(listed as NonNullable<typeof listed>)).toEqual(summary);
    await job.close();
  });

  it('checks the run option, naming the bad field', () => {
    const bad = (run: unknown, text: string) =>
      expect(() => createJob({ name: 'x', root: fleet(), run: run as never })).toThrow(
        expect.objectContaining({ code: 'RNR_ERR_INVALID_OPTION', message: expect.stringContaining(text) }),
      );
    bad('upgrade-1', 'run');
    bad({ workflow: '', run: 1 }, 'run.workflow');
    bad({ workflow: 'a/b', run: 1 }, 'run.workflow');
    bad({ workflow: 'w', run: 0 }, 'run.run');
    bad({ workflow: 'w', run: 1, input: 'v1' }, 'run.input');
    bad({ workflow: 'w', run: 1, trigger: 9 }, 'run.trigger');
    bad({ workflow: 'w', run: 1, labels: { a: 1 } }, 'run.labels');
  });
});

describe('loading', () => {
  it('reads nothing at createJob; reads before the load show the job as defined; the load resumes it', async () => {
    const store = memoryStore();
    const first = createJob({ id: 'j', name: 'j', root: fleet(), store });
    await first.tick();
    await first.approve('vm-1', { actor: 'ana' });
    await first.close();

    const again = createJob({ id: 'j', name: 'j', root: fleet(), store });
    expect(again.loaded).toBe(false);
    expect(again.resumed).toBeUndefined();
    expect(again.summary()).toMatchObject({ state: TaskState.PENDING, seq: 0 });
    expect(again.getTask('vm-1').state).toBe(TaskState.PENDING);
    expect((await again.events()).length).toBe(first.seq); // the store, at any time
    await again.load();
    await again.load(); // once
    expect(again.loaded).toBe(true);
    expect(again.resumed?.fromSeq).toBe(first.seq);
    expect(again.getTask('vm-1')).toMatchObject({ state: TaskState.RUNNING, approval: { by: 'ana' } });
    await again.close();
  });

  it('an operator action before the load waits for it, and is checked against the loaded state', async () => {
    const store = memoryStore();
    const first = createJob({ id: 'j', name: 'j', root: fleet(), store });
    await first.tick(); // vm-1 asks for approval
    await first.close();

    const again = createJob({ id: 'j', name: 'j', root: fleet(), store });
    const approved = again.approve('vm-1', { actor: 'bob' }); // PENDING as defined: checked after the load
    expect(again.loaded).toBe(false);
    await expect(approved).resolves.toMatchObject({ id: 'vm-1', state: TaskState.RUNNING });
    // Bad input is refused at once, before any load.
    const fresh = createJob({ id: 'k', name: 'k', root: fleet(), store });
    expect(() => fresh.skip('nope')).toThrow(expect.objectContaining({ code: 'RNR_ERR_TASK_NOT_FOUND' }));
    expect(() => fresh.setParallelism('vm-1', 2)).toThrow(
      expect.objectContaining({ code: 'RNR_ERR_NOT_NESTED' }),
    );
    await expect(fresh.approve('vm-2')).rejects.toThrow(
      expect.objectContaining({ code: 'RNR_ERR_NOT_ACTION_PENDING' }),
    );
    await again.close();
    await fresh.close();
  });

  it('a load that fails (the run is open elsewhere) rejects, and a later load tries again', async () => {
    const store = memoryStore();
    const holder = createJob({ id: 'j', name: 'j', root: fleet(), store });
    await holder.load();
    const other = createJob({ id: 'j', name: 'j', root: fleet(), store });
    await expect(other.load()).rejects.toThrow(expect.objectContaining({ code: 'RNR_ERR_JOB_LOCKED' }));
    await expect(other.run()).rejects.toThrow(expect.objectContaining({ code: 'RNR_ERR_JOB_LOCKED' }));
    expect(other.loaded).toBe(false);
    await holder.close();
    await other.load();
    expect(other.loaded).toBe(true);
    await other.close();
  });
});

describe('a run drawn from the store alone', () => {
  it('is the task tree the job shows, children in their order, from the stored records', async () => {
    const store = memoryStore();
    const job = createJob({ id: 'draw', name: 'draw', root: fleet(), store });
    await job.tick();
    await job.tick();
    await job.pause('vm-2', { actor: 'ana' });
    const stored = await store.loadRun('draw');
    if (!stored) throw new Error('not stored');
    // Shuffled records come back in their defined order.
    const tree = taskTreeFromRecords([...stored.tasks].reverse());
    expect(tree).toEqual(job.snapshot().root);
    const { halted: _none, ...snapshot } = job.snapshot();
    expect(runSnapshot(stored)).toEqual(snapshot);
    await job.close();
  });

  it('a run nothing was committed of shows its root PENDING, without children', async () => {
    const store = memoryStore();
    const { run } = await store.createRun({ workflow: 'later' });
    const stored = await store.loadRun(run.id);
    expect(taskTreeFromRecords(stored?.tasks ?? [])).toBeUndefined();
    expect(runSnapshot(stored as NonNullable<typeof stored>).root).toMatchObject({
      id: 'later-1',
      state: TaskState.PENDING,
      children: [],
    });
  });
});
