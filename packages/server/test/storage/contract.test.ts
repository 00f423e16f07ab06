import { FACTORIES } from '../helpers/stores.ts';
import { storeContract } from './contract.ts';

for (const [name, factory] of FACTORIES) storeContract(name, factory);
