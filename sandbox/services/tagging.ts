/**
 * Simulated Resource Groups Tagging API (`ResourceGroupsTaggingAPI_20170126.GetResources`). The scenario fills
 * the store with `tagging.setTags(arn, tags)`.
 */
import { AwsError } from '../errors.ts';
import type { Operation, ServiceDef } from '../types.ts';
import { decodeToken, encodeToken, objectList, optionalNumber, optionalString, stringList } from './input.ts';

export interface TaggingService extends ServiceDef {
  /** Set (replace) a resource's tags. */
  setTags(arn: string, tags: Record<string, string>): void;
  /** Add or change some tags, keeping the others. */
  tagResource(arn: string, tags: Record<string, string>): void;
  removeResource(arn: string): void;
  tags(arn: string): Record<string, string> | undefined;
}

/** Resource types whose ARNs carry no `type/` part. */
const IMPLICIT_TYPES: Record<string, string> = { sns: 'topic', sqs: 'queue' };

const invalidParameter = (message: string): AwsError => new AwsError('InvalidParameterException', message);

/** 'arn:aws:ec2:us-east-1:123456789012:instance/i-1' → { service: 'ec2', type: 'instance' }. */
export function resourceTypeOf(arn: string): { service: string; type: string } {
  const parts = arn.split(':');
  const service = parts[2] ?? '';
  const resource = parts.slice(5).join(':');
  const match = /^([^/:]+)[/:]/.exec(resource);
  return { service, type: match?.[1] ?? IMPLICIT_TYPES[service] ?? resource };
}

function typeMatches(arn: string, filters: string[] | undefined): boolean {
  if (!filters || filters.length === 0) return true;
  const { service, type } = resourceTypeOf(arn);
  return filters.some((f) => f === service || f === `${service}:${type}`);
}

interface TagFilter {
  key: string;
  values: string[];
}

function readTagFilters(input: Record<string, unknown>): TagFilter[] {
  return (objectList(input, 'TagFilters') ?? []).map((f) => {
    if (typeof f['Key'] !== 'string') throw invalidParameter('TagFilters: every filter needs a Key.');
    const values = Array.isArray(f['Values'])
      ? f['Values'].filter((v): v is string => typeof v === 'string')
      : [];
    return { key: f['Key'], values };
  });
}

/** AND across filters; within one filter any of the values (no values: the key just has to be there). */
function tagsMatch(tags: Record<string, string>, filters: TagFilter[]): boolean {
  return filters.every((f) => {
    const value = tags[f.key];
    return value !== undefined && (f.values.length === 0 || f.values.includes(value));
  });
}

function validateRequest(
  input: Record<string, unknown>,
  arnList: string[] | undefined,
  perPage: number,
): void {
  if (arnList && (input['TagFilters'] !== undefined || input['TagsPerPage'] !== undefined)) {
    throw invalidParameter('Specifying both ResourceARNList and TagFilters or TagsPerPage is not supported.');
  }
  if (arnList && (arnList.length < 1 || arnList.length > 100)) {
    throw invalidParameter('ResourceARNList must contain between 1 and 100 ARNs.');
  }
  if (perPage < 1 || perPage > 100) throw invalidParameter('ResourcesPerPage must be between 1 and 100.');
}

export function createTaggingService(): TaggingService {
  const resources = new Map<string, Record<string, string>>();

  const GetResources: Operation = (input) => {
    const arnList = stringList(input, 'ResourceARNList');
    const perPage = optionalNumber(input, 'ResourcesPerPage') ?? 50;
    validateRequest(input, arnList, perPage);
    const filters = readTagFilters(input);
    const typeFilters = stringList(input, 'ResourceTypeFilters');
    const candidates = arnList ?? [...resources.keys()].sort();
    const matching = candidates.filter((arn) => {
      const tags = resources.get(arn);
      return tags !== undefined && typeMatches(arn, typeFilters) && tagsMatch(tags, filters);
    });
    const start = decodeToken(optionalString(input, 'PaginationToken'), 'PaginationTokenExpiredException');
    const page = matching.slice(start, start + perPage);
    return {
      PaginationToken: start + perPage < matching.length ? encodeToken(start + perPage) : '',
      ResourceTagMappingList: page.map((arn) => ({
        ResourceARN: arn,
        Tags: Object.entries(resources.get(arn) ?? {}).map(([Key, Value]) => ({ Key, Value })),
      })),
    };
  };

  return {
    name: 'tagging',
    protocol: 'json1.1',
    targetPrefix: 'ResourceGroupsTaggingAPI_20170126',
    internalErrorCode: 'InternalServiceException',
    throttlingErrorCode: 'ThrottledException',
    operations: { GetResources },
    setTags: (arn, tags) => void resources.set(arn, { ...tags }),
    tagResource: (arn, tags) => void resources.set(arn, { ...resources.get(arn), ...tags }),
    removeResource: (arn) => void resources.delete(arn),
    tags: (arn) => {
      const tags = resources.get(arn);
      return tags ? { ...tags } : undefined;
    },
  };
}
