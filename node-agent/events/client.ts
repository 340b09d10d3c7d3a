/** The EventBridge client the publisher uses: short timeouts and no SDK retries (the publisher retries). */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

export interface EventBridgeClientOptions {
  readonly region: string;
  /**
   * Explicit endpoint. Leave it out to get the SDK's own resolution, which honours
   * AWS_ENDPOINT_URL_EVENTBRIDGE (then AWS_ENDPOINT_URL, then endpoint_url in the AWS config).
   */
  readonly endpoint?: string;
  /** TCP connect deadline. */
  readonly connectTimeoutMs?: number;
  /** Deadline for the whole request and response. */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 3000;

export function createEventBridgeClient(options: EventBridgeClientOptions): EventBridgeClient {
  return new EventBridgeClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // One attempt per send: the publisher owns retries, backoff and spooling, and its status
    // then reports every failure instead of SDK retries hiding them behind a long call.
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  });
}
