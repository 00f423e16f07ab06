import { FACTORIES } from '../helpers/stores.ts';
import { telemetryContract } from './telemetry-contract.ts';

for (const [name, factory] of FACTORIES) telemetryContract(name, factory);
