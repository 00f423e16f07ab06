import { FACTORIES, sqliteOnLoopFactory } from '../helpers/stores.ts';
import { telemetryContract } from './telemetry-contract.ts';

for (const [name, factory] of FACTORIES) telemetryContract(name, factory);
telemetryContract('SQLite (ingest on the event loop)', sqliteOnLoopFactory);
