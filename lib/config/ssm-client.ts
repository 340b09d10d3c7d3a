/**
 * The two SSM names that reading an `ssm:` config needs, in a module of their own: load.ts imports
 * it only for such refs, and a bundler that tree-shakes (the controller Lambda's build) keeps just
 * these of @aws-sdk/client-ssm. A dynamic import of the package itself would keep all of it.
 */
export { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
