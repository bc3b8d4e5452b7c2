/**
 * A resource's tags (the Resource Groups Tagging API).
 */
export interface ResourceRef {
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
}

export interface TagsPort {
  tagsFor(resource: ResourceRef): Promise<Record<string, string>>;
}
