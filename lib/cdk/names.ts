/** Tag keys and resource names shared by every construct of a pair (and documented in docs/deploy.md). */

/** Tag on every resource of a pair; the controller's AssociateAddress is conditioned on it. */
export const TAG_CLUSTER = 'eip-failover:cluster';
/** Tag on each node's instance and network interface: the node id from the cluster config. */
export const TAG_NODE = 'eip-failover:node';

/** The SSM parameter holding the cluster config (the convention of docs/config.md). */
export const configParameterName = (clusterName: string): string => `/eip-failover/${clusterName}/config`;

/** The custom event bus of one pair. */
export const eventBusName = (clusterName: string): string => `eip-failover-${clusterName}`;

/** "orders-db" → "OrdersDb": prefix of construct ids and stack output names. */
export const pascal = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
