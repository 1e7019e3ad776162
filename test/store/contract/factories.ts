/**
 * The stores the contract suite runs against. A store kind plugs in with a factory: `location()`
 * gives an empty place for one test (a fresh file, a fresh database), and `open()` opens a store
 * there — again and again: each call is another process's view of the same state when the store
 * is durable.
 */
import { join } from 'node:path';
import { memoryStore, type Store, sqliteStore } from 'rnr';
import { postgresStore } from 'rnr/postgres';
import { createDatabase } from '../../fixtures/postgres/index.js';
import { tempDir } from '../../fixtures/store-helpers.js';

/** One empty place for a store's state, for one test. */
export interface StoreLocation {
  /** Opens a store on this place; a durable store gives a new instance per call. */
  open(): Store;
  /** Releases what the location holds (a database to drop); stores opened are closed by the tests. */
  dispose?(): Promise<void>;
}

/** A kind of store under test. */
export interface StoreFactory {
  /** Shown in the test names. */
  readonly name: string;
  /**
   * True when state outlives the store instance (close, then open again: a restart), and two
   * instances on one location behave as two processes. False for the memory store: there a
   * "restart" keeps the one instance, and a second process is the same instance.
   */
  readonly durable: boolean;
  location(): Promise<StoreLocation>;
}

/** The memory store: one instance per location. */
export const memoryFactory: StoreFactory = {
  name: 'memoryStore',
  durable: false,
  async location() {
    const store = memoryStore();
    return { open: () => store };
  },
};

/** A SQLite file in a temp directory (removed after the test). */
export const sqliteFactory: StoreFactory = {
  name: 'sqliteStore',
  durable: true,
  async location() {
    const file = join(tempDir(), 'rnr.db');
    return { open: () => sqliteStore(file) };
  },
};

/**
 * A fresh database on the test run's PostgreSQL server: each open() is a new store instance (a new
 * process identity), as another process would be.
 */
export const postgresFactory: StoreFactory = {
  name: 'postgresStore',
  durable: true,
  async location() {
    const db = await createDatabase({ label: 'contract' });
    return { open: () => postgresStore(db.url) };
  },
};

/**
 * A process restart as far as the store goes: a durable store is closed and opened again; the
 * memory store stays (its state lives only in it).
 */
export async function restart(factory: StoreFactory, location: StoreLocation, store: Store): Promise<Store> {
  if (!factory.durable) return store;
  await store.close();
  return location.open();
}

/** Closes a store unless it is the memory store's single instance still in use elsewhere. */
export async function closeStore(factory: StoreFactory, store: Store): Promise<void> {
  if (factory.durable) await store.close();
}
