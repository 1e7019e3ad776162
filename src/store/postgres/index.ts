/**
 * `rnr/postgres`: runs' state in PostgreSQL. Imported on its own so that `pg` loads only for
 * those who use it; `rnr` and `rnr/server` never load it.
 *
 * @example
 * import { createJob } from 'rnr';
 * import { postgresStore } from 'rnr/postgres';
 * const store = postgresStore('postgres://rnr:secret@db.internal:5432/ops');
 * const job = createJob({ id: 'upgrade', name: 'Upgrade', root, store });
 *
 * @packageDocumentation
 */

export { PG_SCHEMA_VERSION } from './pg-schema.js';
export type { PostgresStore } from './postgres-store.js';
export { postgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './store-options.js';
export { redactUrl } from './store-options.js';
