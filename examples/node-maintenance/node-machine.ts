/**
 * The maintenance procedure of one node, as an XState statechart: cordon → drain (evict, and poll
 * until the pods are gone) → (pods stuck past the deadline? ask an operator: approve = force-evict)
 * → reboot → wait until Ready → uncordon. Open it in Stately's editor or the VS Code extension.
 *
 * Durable by construction: every cluster call is an actor referenced by name in
 * `setup({ actors })`, deadlines are computed from times kept in `context` (no `after` timers, which
 * a restored actor would lose), and the guards read only events and context, so `xstate/graph`
 * can walk every path without a cluster.
 */
import { assign, fromPromise, setup } from 'xstate';
import type { Cluster } from './cluster.js';

/** What one node's machine starts from. */
export interface NodeInput {
  node: string;
  /** How long pods may take to leave before an operator is asked. Default 15 minutes. */
  drainDeadlineMs?: number;
  /** How long the node may take to be Ready after its reboot. Default 10 minutes. */
  readyDeadlineMs?: number;
}

/** Plain data only: the context is persisted with the task. */
export interface NodeContext {
  node: string;
  drainDeadlineMs: number;
  readyDeadlineMs: number;
  /** When the node was cordoned (the drain deadline counts from here), and its reboot count then. */
  cordonedAt: number;
  rebootsBefore: number;
  rebootedAt: number;
  /** Pods left at the last eviction check. */
  remaining: number;
  /** The operator who approved the force-eviction, if any. */
  forcedBy: string;
  failure: string;
}

/** What a node's machine ends with: the task's final state and status line. */
export interface NodeOutput {
  state: 'SUCCESS' | 'FAILED';
  message: string;
}

type NodeEvent = { type: 'rnr.poll' } | { type: 'rnr.approve'; by: string; reason: string };

const minutes = (n: number) => n * 60_000;

/**
 * The node statechart, bound to a cluster (the actors call it).
 *
 * @example
 * const machine = createNodeMachine(cluster);
 * machineTask({ name: 'node-1', machine, input: { node: 'node-1' } });
 */
export function createNodeMachine(cluster: Cluster) {
  return setup({
    types: {
      input: {} as NodeInput,
      context: {} as NodeContext,
      events: {} as NodeEvent,
      output: {} as NodeOutput,
    },
    actors: {
      cordon: fromPromise<{ at: number; reboots: number }, { node: string }>(async ({ input }) => {
        await cluster.cordon(input.node);
        return { at: cluster.now(), reboots: (await cluster.describeNode(input.node)).reboots };
      }),
      evict: fromPromise<{ remaining: number; at: number }, { node: string }>(async ({ input }) => ({
        remaining: await cluster.evict(input.node),
        at: cluster.now(),
      })),
      forceEvict: fromPromise<void, { node: string }>(({ input }) => cluster.forceEvict(input.node)),
      // Idempotent: a restored job runs this promise again, and must not reboot the node twice.
      reboot: fromPromise<number, { node: string; rebootsBefore: number }>(async ({ input }) => {
        const { reboots } = await cluster.describeNode(input.node);
        if (reboots === input.rebootsBefore) await cluster.reboot(input.node);
        return cluster.now();
      }),
      checkReady: fromPromise<{ ready: boolean; at: number }, { node: string }>(async ({ input }) => ({
        ready: (await cluster.describeNode(input.node)).ready,
        at: cluster.now(),
      })),
      uncordon: fromPromise<void, { node: string }>(({ input }) => cluster.uncordon(input.node)),
    },
  }).createMachine({
    id: 'node-maintenance',
    initial: 'cordon',
    context: ({ input }) => ({
      node: input.node,
      drainDeadlineMs: input.drainDeadlineMs ?? minutes(15),
      readyDeadlineMs: input.readyDeadlineMs ?? minutes(10),
      cordonedAt: 0,
      rebootsBefore: 0,
      rebootedAt: 0,
      remaining: -1,
      forcedBy: '',
      failure: '',
    }),
    states: {
      cordon: {
        meta: { message: 'cordoning' },
        invoke: {
          id: 'cordon',
          src: 'cordon',
          input: ({ context }) => ({ node: context.node }),
          onDone: {
            target: 'drain',
            actions: assign({
              cordonedAt: ({ event }) => event.output.at,
              rebootsBefore: ({ event }) => event.output.reboots,
            }),
          },
        },
      },
      drain: {
        meta: { message: 'draining: waiting for the pods to leave' },
        initial: 'evicting',
        states: {
          evicting: {
            invoke: {
              id: 'evict',
              src: 'evict',
              input: ({ context }) => ({ node: context.node }),
              onDone: [
                { guard: ({ event }) => event.output.remaining === 0, target: '#node-maintenance.reboot' },
                {
                  guard: ({ context, event }) =>
                    event.output.at - context.cordonedAt >= context.drainDeadlineMs,
                  target: 'stuck',
                  actions: assign({ remaining: ({ event }) => event.output.remaining }),
                },
                { target: 'waiting', actions: assign({ remaining: ({ event }) => event.output.remaining }) },
              ],
            },
          },
          waiting: { on: { 'rnr.poll': 'evicting' } },
          stuck: {
            tags: ['action-pending'],
            meta: { message: 'pods stuck past the drain deadline: approve to force-evict them' },
            on: {
              'rnr.approve': { target: 'forcing', actions: assign({ forcedBy: ({ event }) => event.by }) },
            },
          },
          forcing: {
            meta: { message: 'force-evicting the stuck pods' },
            invoke: {
              id: 'forceEvict',
              src: 'forceEvict',
              input: ({ context }) => ({ node: context.node }),
              onDone: '#node-maintenance.reboot',
            },
          },
        },
      },
      reboot: {
        meta: { message: 'rebooting' },
        invoke: {
          id: 'reboot',
          src: 'reboot',
          input: ({ context }) => ({ node: context.node, rebootsBefore: context.rebootsBefore }),
          onDone: { target: 'waitReady', actions: assign({ rebootedAt: ({ event }) => event.output }) },
        },
      },
      waitReady: {
        meta: { message: 'waiting for the node to be Ready' },
        initial: 'checking',
        states: {
          checking: {
            invoke: {
              id: 'checkReady',
              src: 'checkReady',
              input: ({ context }) => ({ node: context.node }),
              onDone: [
                { guard: ({ event }) => event.output.ready, target: '#node-maintenance.uncordon' },
                {
                  guard: ({ context, event }) =>
                    event.output.at - context.rebootedAt >= context.readyDeadlineMs,
                  target: '#node-maintenance.failed',
                  actions: assign({
                    failure: ({ context }) =>
                      `not Ready ${context.readyDeadlineMs / 60_000} min after its reboot: left cordoned`,
                  }),
                },
                { target: 'waiting' },
              ],
            },
          },
          waiting: { on: { 'rnr.poll': 'checking' } },
        },
      },
      uncordon: {
        meta: { message: 'uncordoning' },
        invoke: {
          id: 'uncordon',
          src: 'uncordon',
          input: ({ context }) => ({ node: context.node }),
          onDone: 'done',
        },
      },
      done: { type: 'final' },
      failed: { type: 'final' },
    },
    output: ({ context }) =>
      context.failure
        ? { state: 'FAILED', message: context.failure }
        : {
            state: 'SUCCESS',
            message: context.forcedBy
              ? `maintained (pods force-evicted, approved by ${context.forcedBy})`
              : 'maintained',
          },
  });
}

/** The type of a node machine. */
export type NodeMachine = ReturnType<typeof createNodeMachine>;
