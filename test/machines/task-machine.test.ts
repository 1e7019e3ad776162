import {
  callbackTask,
  createJob,
  type Job,
  nestedTask,
  type PollResult,
  type TaskSpec,
  TaskState,
} from 'rnr';
import { TestClock } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { type EventFromLogic, type SnapshotFrom, transition } from 'xstate';
import { getShortestPaths, getSimplePaths, type StatePath } from 'xstate/graph';
import {
  type TaskMachineEvent,
  type TaskStateKey,
  taskMachine,
  taskStateKeys,
} from '../../machines/task.machine.js';
import { protoEnumNames } from '../fixtures/proto.js';

type Snap = SnapshotFrom<typeof taskMachine>;
type Path = StatePath<Snap, EventFromLogic<typeof taskMachine>>;

const KEYS: readonly TaskStateKey[] = taskStateKeys;
const OPERATOR_EVENTS: TaskMachineEvent[] = [
  ...KEYS.map((state) => ({ type: 'set', state }) as const),
  { type: 'retry' },
  { type: 'skip' },
  { type: 'pause' },
  { type: 'resume' },
];

/**
 * The events the engine can be made to send in a state: operator events always; `start` (a tick)
 * unless paused, since the scheduler starts no paused task; `result` (a poll) only where a poll
 * happens: an active, unpaused task.
 */
function eventsFor(withSet: boolean) {
  return (s: Snap): TaskMachineEvent[] => {
    const out: TaskMachineEvent[] = withSet
      ? [...OPERATOR_EVENTS]
      : OPERATOR_EVENTS.filter((e) => e.type !== 'set');
    out.push({ type: 'approve' });
    if (!s.context.paused) out.push({ type: 'start' });
    if (!s.context.paused && (s.value === 'RUNNING' || s.value === 'ACTION_PENDING'))
      for (const state of KEYS) out.push({ type: 'result', state });
    return out;
  };
}
// Context counters (attempt) would make the state space infinite: a state is its value and paused flag.
const serializeState = (s: Snap) => `${String(s.value)}|${s.context.paused}`;

/** Every path the chart's shortest paths reach, each extended by every event offered there: all edges. */
function edgePaths(): Path[] {
  const out: Path[] = [];
  for (const path of getShortestPaths(taskMachine, { events: eventsFor(true), serializeState })) {
    for (const event of eventsFor(true)(path.state)) {
      const [state] = transition(taskMachine, path.state, event);
      out.push({ state, steps: [...path.steps, { event, state }], weight: path.weight + 1 });
    }
  }
  return out;
}

/** A job whose subject task's poll returns what the test sets; the subject is the root or a child. */
function world(where: 'root' | 'child') {
  let next: PollResult;
  const subject = callbackTask({ id: 'subject', name: 'subject', poll: () => next });
  const root: TaskSpec =
    where === 'root'
      ? subject
      : nestedTask({ id: 'parent', name: 'parent', failFast: false, children: [subject] });
  const job = createJob({ name: 'model', root, clock: new TestClock() });
  return {
    job,
    poll: async (result: PollResult) => {
      next = result;
      await job.tick();
      next = undefined;
    },
  };
}

/** Replays one chart event on the job through the public API. */
async function replay(w: ReturnType<typeof world>, event: TaskMachineEvent, before: Snap): Promise<void> {
  const job: Job = w.job;
  switch (event.type) {
    case 'set':
      await job.setTaskState('subject', event.state);
      return;
    case 'retry':
      await job.retry('subject');
      return;
    case 'skip':
      await job.skip('subject');
      return;
    case 'pause':
      await job.pause('subject');
      return;
    case 'resume':
      await job.resume('subject');
      return;
    case 'approve':
      if (before.value === 'ACTION_PENDING') job.approve('subject');
      else
        expect(() => job.approve('subject')).toThrow(
          expect.objectContaining({ code: 'RNR_ERR_NOT_ACTION_PENDING' }),
        );
      return;
    case 'start':
      await w.poll(undefined);
      return;
    case 'result':
      await w.poll(TaskState[event.state]);
      return;
  }
}

const describePath = (p: Path) =>
  p.steps
    .map((s) =>
      s.event.type === 'set' || s.event.type === 'result' ? `${s.event.type}:${s.event.state}` : s.event.type,
    )
    .join(' → ');

/**
 * Replays a path's events on a fresh job and, step by step, on the chart itself (xstate/graph's
 * step snapshots share one context per serialized state, so attempt is recomputed here): the
 * task's state, paused flag and attempt must match the chart's after every event.
 */
async function check(where: 'root' | 'child', path: Path): Promise<void> {
  const w = world(where);
  await w.job.load();
  let chart = taskMachine.resolveState({ value: 'PENDING', context: { attempt: 0, paused: false } });
  for (const [i, step] of path.steps.entries()) {
    // The first step of an xstate/graph path is the machine's own init: the task as created.
    if ((step.event.type as string) !== 'xstate.init') {
      await replay(w, step.event, chart);
      [chart] = transition(taskMachine, chart, step.event);
    }
    expect(chart.value).toBe(step.state.value);
    const task = w.job.getTask('subject');
    const at = `${describePath(path)} @ step ${i + 1} (${step.event.type})`;
    expect(TaskState[task.state], at).toBe(chart.value);
    expect(task.paused, at).toBe(chart.context.paused);
    expect(task.attempt, at).toBe(chart.context.attempt);
  }
}

describe('task statechart (machines/task.machine.ts)', () => {
  it('has the states of proto3/rnr.proto (its own keys, checked, not imported), none final, starting PENDING', () => {
    // machines/ imports nothing of rnr, so the chart names its states itself: they must be the
    // proto's TaskState names in proto order, and the chart's state nodes exactly those.
    expect(taskStateKeys).toEqual(protoEnumNames('TaskState'));
    expect(Object.keys(taskMachine.root.states).sort()).toEqual([...KEYS].sort());
    for (const node of Object.values(taskMachine.root.states)) expect(node.type, node.key).not.toBe('final');
    expect(taskMachine.root.initial?.target[0]?.key).toBe('PENDING');
  });

  it.each(KEYS)('accepts every operator event in %s, and none ends the actor', (key) => {
    const snap = taskMachine.resolveState({ value: key, context: { attempt: 2, paused: false } });
    for (const event of OPERATOR_EVENTS) {
      expect(snap.can(event), `${key} ${JSON.stringify(event)}`).toBe(true);
      const [next] = transition(taskMachine, snap, event);
      expect(next.status).toBe('active');
      if (event.type === 'set') expect(next.value).toBe(event.state);
    }
    expect(transition(taskMachine, snap, { type: 'retry' })[0]).toMatchObject({
      value: 'PENDING',
      context: { attempt: 3 },
    });
    expect(transition(taskMachine, snap, { type: 'skip' })[0].value).toBe('SKIPPED');
    expect(transition(taskMachine, snap, { type: 'pause' })[0]).toMatchObject({
      value: key,
      context: { paused: true },
    });
    expect(snap.can({ type: 'approve' })).toBe(key === 'ACTION_PENDING');
  });

  it('the path sets are bounded and reach every state', () => {
    const shortest = getShortestPaths(taskMachine, { events: eventsFor(true), serializeState });
    expect(shortest).toHaveLength(KEYS.length * 2); // every state, paused or not
    expect(edgePaths().length).toBeLessThan(400);
    expect(getSimplePaths(taskMachine, { events: eventsFor(false), serializeState }).length).toBeLessThan(
      200,
    );
  });
});

describe.each(['root', 'child'] as const)('the engine follows the chart (subject is the %s)', (where) => {
  it('on every edge (shortest path to each state + each event offered there)', async () => {
    const paths = edgePaths();
    for (const path of paths) await check(where, path);
  });

  it('on every simple path of polls, ticks and operator retry/skip/approve/pause/resume', async () => {
    const paths = getSimplePaths(taskMachine, { events: eventsFor(false), serializeState });
    for (const path of paths) await check(where, path);
  });
});
