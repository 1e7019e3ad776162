import { callbackTask, createJob, type Job, nestedTask, type PollResult } from 'rnr';
import { TestClock } from 'rnr/testing';

/** A job with a little of everything: a leaf that succeeds, one that asks for approval, one that fails. */
export function workflow(clock = new TestClock()) {
  let polls = 0;
  const job = createJob({
    id: 'ev',
    name: 'events',
    clock,
    root: nestedTask({
      id: 'root',
      name: 'root',
      parallelism: 3,
      failFast: false,
      labels: { team: 'ops' },
      children: [
        callbackTask({
          name: 'ok',
          poll: () => (++polls >= 2 ? { state: 'SUCCESS', message: 'done' } : undefined),
        }),
        callbackTask({ name: 'gate', poll: (ctx): PollResult => (ctx.approval ? true : 'ACTION_PENDING') }),
        callbackTask({ name: 'bad', labels: { vm: 'vm-3' }, poll: () => Promise.reject(new Error('nope')) }),
      ],
    }),
  });
  return { job, clock };
}

/** Drives the workflow through polls and every kind of operator action. */
export async function drive(job: Job, clock: TestClock): Promise<void> {
  await job.tick();
  await clock.advance(1000);
  await job.pause('root/ok', { actor: 'alice', reason: 'look first' });
  await job.resume('root/ok');
  await job.tick();
  await job.approve('root/gate', { actor: 'bob', reason: 'window open' });
  await job.setParallelism('root', 2, { reason: 'slow down' });
  await clock.advance(1000);
  await job.tick();
  await job.retry('root/bad', { actor: 'carol' });
  await job.setTaskState('root/bad', 'SKIPPED', {
    actor: 'carol',
    reason: 'not needed',
    message: 'skipped by hand',
  });
  await job.tick();
}
