// The workflow of bench/cluster-api.ts, served by each `rnr serve` process: a gate that waits for
// an approval, then three leaves one after another, each SUCCESS on its second poll.
import { callbackTask, nestedTask, workflow } from 'rnr';

export default workflow({
  name: 'bench-gated',
  // bench/cluster-api.ts --poll-ms (default 1,000: five times the default's rate).
  pollIntervalMs: Number(process.env.RNR_BENCH_POLL_MS ?? 1000),
  // Every finished run stays listed: the bench counts them (the default keeps the newest 100).
  keepRuns: 100_000,
  build: () =>
    nestedTask({
      name: 'bench-gated',
      parallelism: 1,
      children: [
        callbackTask({ name: 'gate', poll: ({ approval }) => (approval ? true : 'ACTION_PENDING') }),
        ...['a', 'b', 'c'].map((name) => {
          let polls = 0;
          return callbackTask({ name, poll: () => (++polls >= 2 ? true : { message: `${name}…` }) });
        }),
      ],
    }),
});
