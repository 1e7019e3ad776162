/**
 * The store contract suite (test/store/contract/): every store keeps the same promises. A store
 * kind joins by adding its factory (contract/factories.ts) to the list below.
 */
import { cleanTempDirs } from '../fixtures/store-helpers.js';
import { memoryFactory, postgresFactory, type StoreFactory, sqliteFactory } from './contract/factories.js';
import { haltingContract } from './contract/halting.contract.js';
import { portContract } from './contract/port.contract.js';
import { resumeContract } from './contract/resume.contract.js';
import { runsContract } from './contract/runs.contract.js';
import { scheduleClaimsContract } from './contract/schedule-claims.contract.js';

cleanTempDirs();

const stores: StoreFactory[] = [memoryFactory, sqliteFactory, postgresFactory];

for (const factory of stores) {
  portContract(factory);
  runsContract(factory);
  resumeContract(factory);
  haltingContract(factory);
  scheduleClaimsContract(factory);
}
