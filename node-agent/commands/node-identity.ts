import type { ClusterConfig } from '../../lib/config/schema';
import { fetchInstanceIdentity } from '../aws/imds';
import { EXIT, UserError } from '../user-error';

/** The node this instance is: `--node`, else the config node whose instanceId matches IMDS. */
export async function identifyNode(config: ClusterConfig, flags: { node?: string; imdsEndpoint?: string }): Promise<string> {
  if (flags.node) {
    if (!config.nodes.some((n) => n.id === flags.node)) {
      throw new UserError(`node "${flags.node}" is not in cluster "${config.clusterName}"; use one of: ${config.nodes.map((n) => n.id).join(', ')}`, EXIT.badInput);
    }
    return flags.node;
  }
  const { instanceId } = await fetchInstanceIdentity({ endpoint: flags.imdsEndpoint });
  const node = config.nodes.find((n) => n.instanceId === instanceId);
  if (!node) {
    throw new UserError(
      `this instance (${instanceId}) is not a node of cluster "${config.clusterName}" ` +
        `(nodes: ${config.nodes.map((n) => `${n.id}=${n.instanceId}`).join(', ')}); fix the config or pass --node`,
      EXIT.badInput,
    );
  }
  return node.id;
}
