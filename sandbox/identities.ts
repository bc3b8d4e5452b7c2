/**
 * Who is calling: the sandbox identifies a caller by the access key id of its SigV4 signature.
 *
 * - Each deployed function runs with its own key (`keyForRole`), registered to its role's ARN, as
 *   Lambda hands a function its role's session credentials.
 * - Any other key (the `test` key of the CLI, a test's SDK client) is an ordinary principal of the
 *   account, `arn:aws:iam::<account>:user/<key>`: it may do whatever its identity policy allows, which
 *   the sandbox takes to be everything, and resource policies (a bus policy) still apply to it.
 * - `register(key, arn)` makes a key act as another principal (an operator role in a test).
 */
export interface Identity {
  accessKeyId: string;
  /** What `aws:PrincipalArn` is for this caller (a role's ARN for a role session). */
  principalArn: string;
  account: string;
}

export interface Identities {
  register(accessKeyId: string, principalArn: string): void;
  resolve(accessKeyId: string | undefined): Identity;
}

/** The access key a function with this role runs with (deterministic, AWS's key alphabet). */
export const keyForRole = (roleName: string): string =>
  `ASIASBX${roleName.toUpperCase().replace(/[^A-Z0-9]/g, '')}`.slice(0, 128);

export function createIdentities(account: string): Identities {
  const keys = new Map<string, string>();
  return {
    register(accessKeyId, principalArn) {
      keys.set(accessKeyId, principalArn);
    },
    resolve(accessKeyId) {
      const key = accessKeyId ?? 'anonymous';
      const principalArn = keys.get(key) ?? `arn:aws:iam::${account}:user/${key}`;
      return { accessKeyId: key, principalArn, account: principalArn.split(':')[4] || account };
    },
  };
}
