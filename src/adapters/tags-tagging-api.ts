import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { resourceArn } from '../core/resource-arns.ts';
import type { TagsPort } from '../ports/index.ts';
import { systemClock } from './system-clock.ts';

/** The ARN of a resource (src/core/resource-arns.ts, the one table). */
export { resourceArn };

/**
 * Resource tags through the Resource Groups Tagging API (the opt-out gate reads these). A resource's
 * tags are reused in this container for `cacheSeconds` (default 0: every call reads), so a duplicate
 * or redelivered event, or several remediations of one finding, cost one read; a tag an operator adds
 * is seen within `cacheSeconds`. A failed read is never kept.
 */
export function taggingApiTags(
  client: ResourceGroupsTaggingAPIClient,
  opts: { cacheSeconds?: number; now?: () => number } = {},
): TagsPort {
  const cacheMs = (opts.cacheSeconds ?? 0) * 1000;
  const now = opts.now ?? (() => systemClock.now().getTime());
  const cache = new Map<string, { at: number; value: Promise<Record<string, string>> }>();

  async function read(arn: string): Promise<Record<string, string>> {
    const out = await client.send(new GetResourcesCommand({ ResourceARNList: [arn] }));
    const tags: Record<string, string> = {};
    for (const m of out.ResourceTagMappingList ?? []) {
      for (const t of m.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
    }
    return tags;
  }

  return {
    async tagsFor(r) {
      const arn = resourceArn(r);
      if (!arn)
        throw new Error(`no ARN mapping for resource type ${r.resourceType}, so its tags cannot be read`);
      if (cacheMs <= 0) return read(arn);
      const t = now();
      const hit = cache.get(arn);
      if (hit && t - hit.at < cacheMs) return { ...(await hit.value) };
      const value = read(arn);
      cache.set(arn, { at: t, value });
      value.catch(() => cache.delete(arn));
      // Not a cache of every resource the container ever saw: old entries go.
      if (cache.size > 5000) for (const [k, v] of cache) if (t - v.at >= cacheMs) cache.delete(k);
      return { ...(await value) };
    },
  };
}
