import { TaskState } from 'rnr';
import { createTestEnvironment, hours, minutes } from 'rnr/testing';
import { describe, expect, it } from 'vitest';
import { createInventory } from './inventory.js';
import { createShardMigration, demo } from './workflow.js';

function setup() {
  const env = createTestEnvironment();
  const inventory = createInventory({
    databases: { orders: 4, users: 2 },
    schema: 1,
    clock: env.clock,
    migrationMs: minutes(10),
  });
  const job = createShardMigration({ inventory, schema: 2, clock: env.clock });
  return { env, inventory, job };
}

const childIds = (job: ReturnType<typeof setup>['job'], id: string) =>
  job.getTask(id).children.map((c) => c.id);

describe('dynamic children', () => {
  it('asks the inventory for databases and shards when the work starts', async () => {
    const { env, inventory, job } = setup();
    // A reshard between creating the job and running it: the job still sees it.
    inventory.addShard('users');
    expect(job.hasTask('migrate-shards/users')).toBe(false);

    const report = await env.run(job, { for: hours(6) });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(childIds(job, 'migrate-shards')).toEqual(['migrate-shards/orders', 'migrate-shards/users']);
    expect(childIds(job, 'migrate-shards/users')).toEqual([
      'migrate-shards/users/users-1',
      'migrate-shards/users/users-2',
      'migrate-shards/users/users-3',
    ]);
    const shards = [...(await inventory.listShards('orders')), ...(await inventory.listShards('users'))];
    expect(shards.map((shard) => shard.schema)).toEqual(Array(7).fill(2));
    expect(inventory.migrationsStarted).toBe(7);
  });

  it('finds new shards when an operator retries the database task', async () => {
    const { env, inventory, job } = setup();
    expect((await env.run(job, { for: hours(6) })).state).toBe(TaskState.SUCCESS);

    const added = inventory.addShard('orders');
    await job.retry('migrate-shards/orders', { actor: 'dba', reason: `pick up ${added}` });
    const report = await env.run(job, { for: hours(6) });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(job.getTask(`migrate-shards/orders/${added}`).state).toBe(TaskState.SUCCESS);
    // The shards migrated before kept their state: no second migration, no retry of theirs.
    expect(inventory.migrationsStarted).toBe(7);
    expect(job.getTask('migrate-shards/orders/orders-1').attempt).toBe(0);
  });

  it('runs the demo of `rnr run` to the end', async () => {
    const env = createTestEnvironment();
    const job = await env.startRun(demo({ clock: env.clock }), { input: { schema: 2 } });

    const report = await env.run(job, { for: minutes(10) });

    expect(report.state).toBe(TaskState.SUCCESS);
    expect(report.elapsedMs).toBeLessThan(minutes(1));
    expect(job.summary().counts.SUCCESS).toBe(1 + 3 + 11); // root, databases, shards
  });
});
