import { type CallbackTaskOptions, callbackTask, createJob, nestedTask, type Task, TaskState } from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';

const poll = () => undefined;
const leaf = (name: string, extra: Partial<CallbackTaskOptions> = {}) =>
  callbackTask({ name, poll, ...extra });

describe('ids', () => {
  const ids = (task: Task): string[] => [task.id, ...task.children.flatMap(ids)];
  const workflow = () =>
    nestedTask({
      id: 'root',
      name: 'root',
      children: [
        nestedTask({ name: 'Zone A', children: [leaf('vm-1'), leaf('vm-2')] }),
        leaf('check'),
        leaf('check'),
        leaf('check'),
        nestedTask({ id: 'custom', name: 'Custom Zone', children: [leaf('vm-1')] }),
      ],
    });

  it('default id = parent id + "/" + slug of the name, deduplicated; explicit ids as given', () => {
    const all = ids(createJob({ name: 'job', root: workflow() }).snapshot().root);
    expect(all.slice(0, 4)).toEqual(['root', 'root/zone-a', 'root/zone-a/vm-1', 'root/zone-a/vm-2']);
    const checks = all.slice(4, 7);
    expect(checks[0]).toBe('root/check');
    for (const id of checks) expect(id).toMatch(/^root\/check.+|^root\/check$/);
    expect(new Set(all).size).toBe(all.length);
    expect(all.slice(7)).toEqual(['custom', 'custom/vm-1']);
  });

  it('a default id that an explicit id elsewhere already took is deduplicated, also for dynamic children', async () => {
    const make = (dynamic: boolean) => {
      const kids = () => [leaf('a')];
      return createJob({
        name: 'job',
        clock: new TestClock(),
        root: nestedTask({
          id: 'root',
          name: 'root',
          parallelism: 2,
          children: [
            leaf('squatter', { id: 'root/dyn/a' }),
            nestedTask({ name: 'dyn', children: dynamic ? kids : kids() }),
          ],
        }),
      });
    };
    expect(
      make(false)
        .getTask('root/dyn')
        .children.map((c) => c.id),
    ).toEqual(['root/dyn/a-2']);
    const job = make(true);
    await job.tick();
    const dyn = job.getTask('root/dyn');
    expect(dyn.state).toBe(TaskState.RUNNING);
    expect(dyn.children).toHaveLength(1);
  });

  it('are stable: the same workflow built again gives the same ids', () => {
    const a = ids(createJob({ name: 'job', root: workflow() }).snapshot().root);
    const b = ids(createJob({ name: 'job', root: workflow() }).snapshot().root);
    expect(b).toEqual(a);
  });
});
