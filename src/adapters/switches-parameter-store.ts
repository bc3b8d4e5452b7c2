import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { MODES, type Mode } from '../model/types.ts';
import type { Switches, SwitchesPort } from '../ports/index.ts';
import { systemClock } from './system-clock.ts';

/**
 * The kill switch (`<prefix>/kill-switch`: on|off) and modes (`<prefix>/mode/<id>`: auto|shadow|approve|off)
 * from Parameter Store, cached for `cacheSeconds` so a burst of events costs one read. Neither is
 * owned by the stack (a deploy never resets an operator's choice): an absent kill switch is `off`, an
 * absent mode the remediation's default. A read that fails, or a value that is not on/off, is
 * unreadable: the engine fails closed.
 */
export function parameterStoreSwitches(
  ssm: SSMClient,
  prefix: string,
  cacheSeconds: number,
  now = () => systemClock.now().getTime(),
): SwitchesPort {
  const cache = new Map<string, { value: string | undefined; at: number }>();
  const killName = `${prefix}/kill-switch`;
  const modeName = (id: string) => `${prefix}/mode/${id}`;

  async function values(names: string[]): Promise<Map<string, string | undefined>> {
    const fresh = (n: string) => {
      const c = cache.get(n);
      return c && now() - c.at < cacheSeconds * 1000;
    };
    const missing = names.filter((n) => !fresh(n));
    for (let i = 0; i < missing.length; i += 10) {
      const batch = missing.slice(i, i + 10);
      const out = await ssm.send(new GetParametersCommand({ Names: batch }));
      const at = now();
      for (const n of batch) cache.set(n, { value: undefined, at });
      for (const p of out.Parameters ?? []) if (p.Name) cache.set(p.Name, { value: p.Value, at });
    }
    return new Map(names.map((n) => [n, cache.get(n)?.value]));
  }

  return {
    async read(ids): Promise<Switches> {
      const v = await values([killName, ...ids.map(modeName)]);
      const kill = v.get(killName)?.trim().toLowerCase() ?? 'off';
      if (kill !== 'on' && kill !== 'off') {
        throw new Error(`parameter ${killName} is ${JSON.stringify(kill)}, expected on or off`);
      }
      const modes: Record<string, Mode | undefined> = {};
      for (const id of ids) {
        const m = v.get(modeName(id))?.trim().toLowerCase();
        if (m === undefined) continue;
        if (!(MODES as readonly string[]).includes(m)) {
          throw new Error(`parameter ${modeName(id)} is ${JSON.stringify(m)}, expected ${MODES.join(', ')}`);
        }
        modes[id] = m as Mode;
      }
      return { killSwitch: kill === 'on', modes };
    },
  };
}
