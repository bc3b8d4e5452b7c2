/**
 * Where the operator commands (remediate, backfill, status) call, and as whom. A real account: the
 * SDK's default endpoint and credential chain (AWS_PROFILE, SSO, environment), the Region from
 * --region, AWS_REGION or AWS_DEFAULT_REGION. The sandbox (--endpoint, or AWS_ENDPOINT_URL): the CLI
 * signs as the sandbox's operator (access key `operator`, the sandbox stage's `operatorPrincipals`)
 * unless AWS_ACCESS_KEY_ID names another key than the sandbox's everyday `test`.
 */
import type { Io } from './io.ts';

export interface CliAws {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  stage: string;
  /** The service's resource names in that stage (serverless.yml). */
  names: { bus: string; ledger: string; prefix: string; queue: (suffix: string) => string };
}

/** The sandbox's operator key (sandbox/account.ts SANDBOX_OPERATOR). */
export const SANDBOX_OPERATOR_KEY = 'operator';

export function cliAws(
  io: Io,
  v: { endpoint?: string | undefined; region?: string | undefined; stage?: string | undefined },
): CliAws | string {
  const env = io.env;
  const endpoint = v.endpoint ?? (env.AWS_ENDPOINT_URL || undefined);
  const stage = v.stage ?? (endpoint ? 'sandbox' : undefined);
  if (!stage) return 'give --stage (the stage the service was deployed with, e.g. prod)';
  if (!/^[A-Za-z0-9-]+$/.test(stage)) return `--stage ${stage}: letters, digits and - only`;
  const key = env.AWS_ACCESS_KEY_ID;
  const credentials = endpoint
    ? key && key !== 'test' && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: key,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : { accessKeyId: SANDBOX_OPERATOR_KEY, secretAccessKey: SANDBOX_OPERATOR_KEY }
    : undefined;
  return {
    region: v.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    stage,
    names: {
      bus: `ssm-remediator-${stage}`,
      ledger: `ssm-remediator-${stage}-ledger`,
      prefix: `/ssm-remediator/${stage}`,
      queue: (suffix) => `ssm-remediator-${stage}-${suffix}`,
    },
  };
}

/** The SDK client configuration for it. */
export function clientConfig(a: CliAws) {
  return {
    region: a.region,
    ...(a.endpoint ? { endpoint: a.endpoint } : {}),
    ...(a.credentials ? { credentials: a.credentials } : {}),
  };
}

/** The options every operator command shares. */
export const AWS_OPTIONS = {
  stage: {
    type: 'string',
    value: 'STAGE',
    help: 'the deployed stage (default: sandbox with an endpoint; required otherwise)',
  },
  endpoint: {
    type: 'string',
    value: 'URL',
    help: 'a running sandbox (default $AWS_ENDPOINT_URL; none: the real account of your credentials)',
  },
  region: { type: 'string', value: 'REGION', help: 'default $AWS_REGION, else us-east-1' },
  json: { type: 'boolean', help: 'print JSON' },
} as const;
