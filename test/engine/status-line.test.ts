// A task's status line at the end: a leaf that ends SUCCESS shows no stale progress line.
import { callbackTask, createJob, nestedTask, TaskState } from 'rnr';
import { describe, expect, it } from 'vitest';

/** A leaf that reports progress, then answers what `finish` says. */
function patching(finish: () => unknown) {
  let polls = 0;
  return callbackTask({
    id: 'vm',
    name: 'vm',
    poll: (ctx) => {
      polls++;
      if (polls === 1) return { message: 'patching: 75%' };
      return finish.call(ctx) as never;
    },
  });
}

async function run(finish: (this: { log(line: string): void }) => unknown) {
  const job = createJob({
    name: 'j',
    root: nestedTask({ id: 'r', name: 'r', children: [patching(finish)] }),
  });
  await job.tick();
  expect(job.getTask('vm').message).toBe('patching: 75%');
  await job.tick();
  return job;
}

describe('the status line of a finished leaf', () => {
  it('is cleared when the poll that ends it SUCCESS says nothing', async () => {
    const job = await run(() => true);
    expect(job.getTask('vm')).toMatchObject({ state: TaskState.SUCCESS, message: '' });
    // The progress line stays in the event log.
    expect((await job.events()).map((e) => e.message)).toContain('patching: 75%');
  });

  it('is the finishing poll’s own: a message with the state, or a line it logged', async () => {
    const said = await run(() => ({ state: 'SUCCESS', message: 'patched to 2.0' }));
    expect(said.getTask('vm').message).toBe('patched to 2.0');
    const logged = await run(function () {
      this.log('rebooted');
      return true;
    });
    expect(logged.getTask('vm').message).toBe('rebooted');
  });

  it('stays on FAILED and SKIPPED: it says where the task stopped', async () => {
    const failed = await run(() => 'FAILED');
    expect(failed.getTask('vm')).toMatchObject({ state: TaskState.FAILED, message: 'patching: 75%' });
    const skipped = await run(() => 'SKIPPED');
    expect(skipped.getTask('vm').message).toBe('patching: 75%');
  });

  it('is cleared when an operator sets a leaf SUCCESS without a message, and set when with one', async () => {
    const job = createJob({
      name: 'j',
      root: nestedTask({
        id: 'r',
        name: 'r',
        parallelism: 2,
        children: [patching(() => undefined), patching2()],
      }),
    });
    await job.tick();
    await job.setTaskState('vm', 'SUCCESS', { reason: 'patched by hand' });
    expect(job.getTask('vm').message).toBe('');
    await job.setTaskState('vm2', 'SUCCESS', { message: 'done by hand' });
    expect(job.getTask('vm2').message).toBe('done by hand');
  });
});

function patching2() {
  return callbackTask({ id: 'vm2', name: 'vm2', poll: () => ({ message: 'patching: 10%' }) });
}
