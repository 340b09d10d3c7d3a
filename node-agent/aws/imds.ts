/** IMDSv2 client: the instance's own id and region, with a session token (IMDSv1 is disabled). */

export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';

export class ImdsError extends Error {
  override readonly name = 'ImdsError';
}

export interface InstanceIdentity {
  readonly instanceId: string;
  readonly region: string;
}

export interface ImdsOptions {
  /** @default AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 */
  readonly endpoint?: string;
  /** Per request. @default 1000 */
  readonly timeoutMs?: number;
}

export async function fetchInstanceIdentity(options: ImdsOptions = {}): Promise<InstanceIdentity> {
  const endpoint = (options.endpoint ?? process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? DEFAULT_IMDS_ENDPOINT).replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 1000;
  const call = async (method: string, path: string, headers: Record<string, string>): Promise<string> => {
    let response: Response;
    try {
      response = await fetch(`${endpoint}${path}`, { method, headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new ImdsError(`instance metadata at ${endpoint} unreachable (${(err as Error).message}); not on EC2? pass --node ID`);
    }
    if (!response.ok) throw new ImdsError(`instance metadata ${method} ${path} answered HTTP ${response.status}`);
    return (await response.text()).trim();
  };
  const token = await call('PUT', '/latest/api/token', { 'X-aws-ec2-metadata-token-ttl-seconds': '300' });
  const auth = { 'X-aws-ec2-metadata-token': token };
  const [instanceId, region] = await Promise.all([
    call('GET', '/latest/meta-data/instance-id', auth),
    call('GET', '/latest/meta-data/placement/region', auth),
  ]);
  return { instanceId, region };
}
