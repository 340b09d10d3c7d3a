/**
 * StateStore on DynamoDB: one item per cluster, written only with a version condition.
 *
 * Table: partition key `pk` (S), no sort key, on-demand. Item:
 *   pk          "cluster#<clusterName>"
 *   version     N   grows by one at every write; the condition of the next write
 *   state       M   ClusterState (node reports, holder, last move, move count, pending move, alerts)
 *   schema      N   1; a controller refuses an item written by an incompatible one
 *   updatedAtMs N   for people reading the table
 * One item holds everything a decision reads, so a single conditional PutItem makes
 * read-decide-write atomic: of two invocations that read version n, exactly one writes n+1, the
 * other gets ConditionalCheckFailedException, reads again and decides again. Reads are strongly
 * consistent. An item stays under 10 KB (reports are bounded by the event schema).
 */
import { DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClusterState } from '../../core/types';
import type { StateStore, VersionedState } from '../../ports';

export const STATE_ITEM_SCHEMA = 1;

export class StateItemError extends Error {
  override readonly name = 'StateItemError';
}

export function createControllerDynamoClient(options: { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } }) {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    retryMode: 'standard',
    maxAttempts: 4,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export const stateKey = (clusterName: string) => `cluster#${clusterName}`;

export class DynamoDbStateStore implements StateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clusterName: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(): Promise<VersionedState | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: stateKey(this.clusterName) }, ConsistentRead: true }));
    const item = out.Item;
    if (!item) return null;
    if (item.schema !== STATE_ITEM_SCHEMA || typeof item.version !== 'number' || typeof item.state !== 'object' || item.state === null) {
      throw new StateItemError(`item ${stateKey(this.clusterName)} in ${this.tableName} has schema ${JSON.stringify(item.schema)}; this controller reads ${STATE_ITEM_SCHEMA}`);
    }
    return { version: item.version, state: item.state as ClusterState };
  }

  async put(state: ClusterState, expectedVersion: number | null): Promise<{ version: number } | 'conflict'> {
    const version = (expectedVersion ?? 0) + 1;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: stateKey(this.clusterName), version, schema: STATE_ITEM_SCHEMA, updatedAtMs: this.clock(), state },
          ...(expectedVersion === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      );
      return { version };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException') return 'conflict';
      throw err;
    }
  }
}
