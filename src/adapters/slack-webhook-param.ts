import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';

/**
 * The Slack webhook URL, decrypted from its SecureString, cached for 5 minutes; '' in config means no
 * Slack. Read through our SSM client, so the one retry policy (aws-clients.ts) applies here too.
 */
export function slackUrlReader(ssm: SSMClient, name: string): () => Promise<string | undefined> {
  if (!name) return async () => undefined;
  const provider = new SSMProvider({ awsSdkV3Client: ssm });
  return async () => (await provider.get(name, { decrypt: true, maxAge: 300 })) ?? undefined;
}
