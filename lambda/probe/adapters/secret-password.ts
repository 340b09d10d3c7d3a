/** The probe user's password: the SecretString of a Secrets Manager secret (lib/cdk/secrets.ts, `probe`). */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The password could not be read; the message says where to look. */
export class ProbeSecretError extends Error {
  override readonly name = 'ProbeSecretError';
}

export function createProbeSecretsClient(region: string | undefined): SecretsManagerClient {
  return new SecretsManagerClient({ ...(region ? { region } : {}), maxAttempts: 3 });
}

export async function loadProbePassword(client: SecretsManagerClient, secretId: string): Promise<string> {
  let value: string | undefined;
  try {
    value = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (err) {
    const e = err as Error;
    const hint =
      e.name === 'ResourceNotFoundException'
        ? 'check EIP_FAILOVER_PROBE_SECRET_ARN and the region'
        : e.name === 'AccessDeniedException'
          ? "the function's role needs secretsmanager:GetSecretValue on it"
          : 'check the network path to Secrets Manager (VPC endpoint or NAT)';
    throw new ProbeSecretError(`cannot read secret ${secretId}: ${e.name}: ${e.message}; ${hint}`);
  }
  if (!value) throw new ProbeSecretError(`secret ${secretId} has no SecretString; store the probe user's password as plain text`);
  return value;
}
