// TEMPORARY: the telemetry methods not implemented yet by a store; removed as they land.
import type { TelemetryStore } from './telemetry-store.ts';

type Pending = Omit<TelemetryStore, 'addIngestKey' | 'findIngestKey' | 'insertEvents' | 'countEvents'>;

export function pendingTelemetry(): Pending {
  const todo = (name: string) => () => Promise.reject(new Error(`${name} is not implemented yet`));
  return {
    queryRollups: todo('queryRollups'),
    queryCohorts: todo('queryCohorts'),
    destinationHosts: todo('destinationHosts'),
    activeProjects: todo('activeProjects'),
    insertAlert: todo('insertAlert'),
    listAlerts: todo('listAlerts'),
    addWebhook: todo('addWebhook'),
    listWebhooks: todo('listWebhooks'),
    removeWebhook: todo('removeWebhook'),
    claimDeliveries: todo('claimDeliveries'),
    settleDelivery: todo('settleDelivery'),
    deliveries: todo('deliveries'),
    createSession: todo('createSession'),
    findSession: todo('findSession'),
    deleteSession: todo('deleteSession'),
    purge: todo('purge'),
  };
}
