/**
 * Dynamic children: migrate the schema of every shard of every database, where the list of
 * databases and shards is asked of the inventory when the work starts, not written down.
 *
 *   migrate-shards          nested, 2 databases at a time; children = inventory.listDatabases()
 *   ├── orders              nested, 3 shards at a time;     children = inventory.listShards('orders')
 *   │   └── orders-1 …      callback: schema current? → migration running? → start it
 *   ├── users
 *   └── billing
 *
 * A nested task's children function runs when the task starts, and again when an operator retries
 * it: after a reshard, `rnr retry migrate-shards migrate-shards/orders` picks up the new shards,
 * while the shards already migrated keep their state (children are matched by id).
 *
 * The default export is the workflow; its input is the schema version to migrate to.
 * Run it: `node bin/rnr.js run examples/dynamic-children/workflow.ts --input schema=2`.
 */
import {
  type Clock,
  callbackTask,
  createJob,
  type Job,
  nestedTask,
  type Store,
  systemClock,
  type TaskSpec,
  type Workflow,
  workflow,
} from 'rnr';
import { z } from 'zod';
import { createInventory, type Inventory } from './inventory.js';

/**
 * Migrates one shard; safe to poll again after a restart or a retry.
 *
 * @example
 * migrateShard(inventory, 'orders-1', 2);
 */
export function migrateShard(inventory: Inventory, shardId: string, schema: number): TaskSpec {
  return callbackTask({
    name: shardId,
    labels: { shard: shardId },
    async poll() {
      const shard = await inventory.describeShard(shardId);
      if (shard.schema >= schema) return { state: 'SUCCESS', message: `schema ${shard.schema}` };
      if (shard.migration) return { message: `migrating ${shard.schema} → ${shard.migration.to}` };
      await inventory.startMigration(shardId, schema);
      return { message: `started migration ${shard.schema} → ${schema}` };
    },
  });
}

/**
 * Migrates every shard of one database. Its children are the shards the inventory lists when the
 * task starts.
 */
export function migrateDatabase(inventory: Inventory, database: string, schema: number): TaskSpec {
  return nestedTask({
    name: database,
    labels: { database },
    parallelism: 3,
    children: async () => {
      const shards = await inventory.listShards(database);
      return shards.map((shard) => migrateShard(inventory, shard.id, schema));
    },
  });
}

/** Options of {@link createShardMigration}. */
export interface ShardMigrationOptions {
  inventory: Inventory;
  /** The schema version to migrate to. */
  schema: number;
  store?: Store;
  clock?: Clock;
  /** Default 30 s. */
  pollIntervalMs?: number;
}

/**
 * Creates the job: one nested task per database the inventory lists, two at a time.
 *
 * @example
 * const state = await createShardMigration({ inventory, schema: 2 }).run();
 */
export function createShardMigration(options: ShardMigrationOptions): Job {
  const { inventory, schema } = options;
  return createJob({
    id: 'migrate-shards',
    name: 'migrate-shards',
    root: nestedTask({
      name: 'migrate-shards',
      parallelism: 2,
      children: async () => {
        const databases = await inventory.listDatabases();
        return databases.map((database) => migrateDatabase(inventory, database, schema));
      },
    }),
    pollIntervalMs: options.pollIntervalMs ?? 30_000,
    store: options.store,
    clock: options.clock,
  });
}

/** The input of a shard migration: the schema version to migrate to. */
export const shardMigrationInput = z.object({
  schema: z.number().int().min(1).default(2).describe('The schema version every shard should have'),
});

/**
 * The demo for `rnr run` / `rnr serve`: three databases, eleven shards, eight-second migrations
 * polled every two seconds; a run finishes in about twenty seconds.
 */
export function demo(
  options: { clock?: Clock; pollIntervalMs?: number } = {},
): Workflow<z.output<typeof shardMigrationInput>> {
  const clock = options.clock ?? systemClock;
  return workflow({
    name: 'migrate-shards',
    description: 'Migrate the schema of every shard of every database the inventory lists',
    input: shardMigrationInput,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    build: ({ schema }) => {
      const inventory = createInventory({
        databases: { orders: 6, users: 3, billing: 2 },
        schema: 1,
        clock,
        migrationMs: 8_000,
      });
      return nestedTask({
        name: 'migrate-shards',
        parallelism: 2,
        children: async () => {
          const databases = await inventory.listDatabases();
          return databases.map((database) => migrateDatabase(inventory, database, schema));
        },
      });
    },
  });
}

export default demo();
