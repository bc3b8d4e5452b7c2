/**
 * The Lambda bundles' stand-in for `@aws-sdk/credential-provider-node` (aliased in scripts/build.ts):
 * Lambda hands a function its role's credentials in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and so does the sandbox, so the bundles carry only the
 * environment provider, not the SSO, profile, process, web-identity and instance-metadata ones
 * (about 90 KiB, with their nested STS/SSO clients). The CLI keeps the SDK's full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
