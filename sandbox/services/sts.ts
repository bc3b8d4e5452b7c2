/**
 * Simulated STS (Query protocol): GetCallerIdentity, answered from the caller's SigV4 access key
 * (sandbox/identities.ts). A key registered to a role (a function's, or the stage's operator) is a
 * session of that role, `arn:aws:sts::<account>:assumed-role/<role>/<key>`, as AWS reports an assumed
 * role; any other key is the IAM user it stands for.
 */
import type { Identities } from '../identities.ts';
import type { ServiceDef } from '../types.ts';

export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

const idOf = (prefix: string, s: string): string =>
  `${prefix}${s.toUpperCase().replace(/[^A-Z0-9]/g, '')}`.padEnd(21, 'X').slice(0, 21);

export function createStsService(identities: Identities): ServiceDef {
  return {
    name: 'sts',
    protocol: 'query',
    xmlNamespace: STS_XML_NAMESPACE,
    operations: {
      GetCallerIdentity: (_input, ctx) => {
        const who = identities.resolve(ctx.accessKeyId);
        const role = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(who.principalArn);
        if (role)
          return {
            Arn: `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${who.accessKeyId}`,
            UserId: `${idOf('AROA', role[2]!)}:${who.accessKeyId}`,
            Account: role[1],
          };
        return { Arn: who.principalArn, UserId: idOf('AIDA', who.accessKeyId), Account: who.account };
      },
    },
  };
}
