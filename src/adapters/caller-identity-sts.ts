/** Who the CLI's credentials are (STS GetCallerIdentity): what `remediator remediate` records as requestedBy. */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

export interface CallerIdentity {
  arn: string;
  account: string;
  userId: string;
}

export async function callerIdentity(sts: STSClient): Promise<CallerIdentity> {
  const out = await sts.send(new GetCallerIdentityCommand({}));
  if (!out.Arn || !out.Account) throw new Error('GetCallerIdentity returned no Arn');
  return { arn: out.Arn, account: out.Account, userId: out.UserId ?? '' };
}

export { STSClient };
