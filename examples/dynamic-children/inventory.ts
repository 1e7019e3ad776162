/**
 * A simulated database inventory: databases split into shards, each at a schema version. It
 * stands in for the service catalogue and the database API a real workflow would call.
 *
 * No timers: a migration records when it will finish, and reads compare that with `clock.now()`,
 * so the same code runs in real time and in `rnr/testing`'s simulated time.
 */
import type { Clock } from 'rnr';

/** Options of {@link createInventory}. */
export interface InventoryOptions {
  /** Shards per database: `{ orders: 4, users: 2 }` makes `orders-1` … `orders-4`, `users-1`, `users-2`. */
  databases: Readonly<Record<string, number>>;
  /** The schema version every shard is at. */
  schema: number;
  clock: Pick<Clock, 'now'>;
  /** How long migrating one shard takes, in ms. Default 2 minutes. */
  migrationMs?: number;
}

/** One shard, as the database API reports it. */
export interface Shard {
  /** e.g. `orders-3`. */
  id: string;
  database: string;
  schema: number;
  /** The running migration, if any. */
  migration?: { to: number; startedAt: number; finishesAt: number };
}

/** A simulated inventory (see {@link createInventory}). */
export interface Inventory {
  listDatabases(): Promise<string[]>;
  listShards(database: string): Promise<Shard[]>;
  describeShard(id: string): Promise<Shard>;
  /** Starts migrating a shard to a schema version; rejects if a migration is already running. */
  startMigration(id: string, to: number): Promise<void>;
  /** Simulates a reshard: adds a shard to a database and returns its id. */
  addShard(database: string): string;
  /** How many migrations were ever started. */
  readonly migrationsStarted: number;
}

/**
 * Creates a simulated inventory.
 *
 * @example
 * const inventory = createInventory({ databases: { orders: 4 }, schema: 1, clock: systemClock });
 * await inventory.listShards('orders'); // orders-1 … orders-4
 */
export function createInventory(options: InventoryOptions): Inventory {
  const { clock, migrationMs = 2 * 60_000 } = options;
  const shards = new Map<string, Shard>();
  let migrationsStarted = 0;

  function addShard(database: string): string {
    const count = [...shards.values()].filter((shard) => shard.database === database).length;
    const id = `${database}-${count + 1}`;
    shards.set(id, { id, database, schema: options.schema });
    return id;
  }
  for (const [database, count] of Object.entries(options.databases)) {
    for (let i = 0; i < count; i++) addShard(database);
  }

  function describe(id: string): Shard {
    const shard = shards.get(id);
    if (!shard) throw new Error(`no such shard: ${id}`);
    // Migrations finish lazily: the first read after `finishesAt` applies them.
    if (shard.migration && clock.now() >= shard.migration.finishesAt) {
      shard.schema = shard.migration.to;
      shard.migration = undefined;
    }
    return { ...shard };
  }

  return {
    async listDatabases() {
      return [...new Set([...shards.values()].map((shard) => shard.database))];
    },
    async listShards(database) {
      return [...shards.values()]
        .filter((shard) => shard.database === database)
        .map((shard) => describe(shard.id));
    },
    async describeShard(id) {
      return describe(id);
    },
    async startMigration(id, to) {
      if (describe(id).migration) throw new Error(`${id}: a migration is already running`);
      const shard = shards.get(id) as Shard;
      shard.migration = { to, startedAt: clock.now(), finishesAt: clock.now() + migrationMs };
      migrationsStarted++;
    },
    addShard,
    get migrationsStarted() {
      return migrationsStarted;
    },
  };
}
