/** The kill switch and mode parameters as Parameter Store holds them (raw, unvalidated), for `remediator status`. */
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';

export interface SwitchValues {
  killSwitch?: string;
  modes: Record<string, string | undefined>;
}

export async function switchValues(
  ssm: SSMClient,
  prefix: string,
  ids: readonly string[],
): Promise<SwitchValues> {
  const kill = `${prefix}/kill-switch`;
  const mode = (id: string) => `${prefix}/mode/${id}`;
  const names = [kill, ...ids.map(mode)];
  const found = new Map<string, string>();
  for (let i = 0; i < names.length; i += 10) {
    const out = await ssm.send(new GetParametersCommand({ Names: names.slice(i, i + 10) }));
    for (const p of out.Parameters ?? []) if (p.Name && p.Value !== undefined) found.set(p.Name, p.Value);
  }
  return {
    ...(found.has(kill) ? { killSwitch: found.get(kill)! } : {}),
    modes: Object.fromEntries(ids.map((id) => [id, found.get(mode(id))])),
  };
}

export { SSMClient };
