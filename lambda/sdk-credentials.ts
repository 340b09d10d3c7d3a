/**
 * The AWS SDK's default credential provider as the Lambda bundles use it: lambda/build-options.cjs
 * puts this module in place of @aws-sdk/credential-provider-node. Lambda hands a function its
 * credentials in environment variables, the first place the SDK's own chain looks; this looks
 * there under the same conditions (no profile named) and loads the whole chain, from a file of
 * its own, only otherwise. The bundle then carries neither the chain's other providers (SSO,
 * shared files, process, web identity, container, IMDS) nor the STS and SSO clients they bring,
 * which every cold start would parse (docs/controller.md, "Bundle and cold start").
 *
 * Both packages come with every SDK client (@aws-sdk/credential-provider-node depends on
 * @aws-sdk/credential-provider-env).
 */
import { ENV_KEY, ENV_SECRET, fromEnv } from '@aws-sdk/credential-provider-env';
import type { DefaultProviderInit } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export function defaultProvider(init: DefaultProviderInit = {}): AwsCredentialIdentityProvider {
  const fromEnvironment = fromEnv(init);
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (props): Promise<AwsCredentialIdentity> => {
    // The chain's first link, decided per call as the chain decides it (credential-provider-node's defaultProvider).
    if (!(init.profile ?? process.env.AWS_PROFILE) && process.env[ENV_KEY] && process.env[ENV_SECRET]) return fromEnvironment(props);
    if (!chain) {
      const loading = import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider(init));
      loading.catch(() => {
        if (chain === loading) chain = undefined;
      });
      chain = loading;
    }
    return (await chain)(props);
  };
}
