/**
 * The AWS partition of a region, for ARNs the service builds (`arn:<partition>:…`): `aws-cn` in
 * China, `aws-us-gov` in GovCloud, the ISO partitions, `aws` elsewhere. Never hard-code `arn:aws:`.
 */
const PARTITIONS: Array<[RegExp, string]> = [
  [/^cn-/, 'aws-cn'],
  [/^us-gov-/, 'aws-us-gov'],
  [/^us-isob-/, 'aws-iso-b'],
  [/^us-iso-/, 'aws-iso'],
  [/^eu-isoe-/, 'aws-iso-e'],
  [/^us-isof-/, 'aws-iso-f'],
];

export function partitionOf(region: string): string {
  return PARTITIONS.find(([re]) => re.test(region))?.[1] ?? 'aws';
}

/** The fields of an ARN (`arn:partition:service:region:account:resource`), or undefined if it is not one. */
export function parseArn(
  arn: string,
): { partition: string; service: string; region: string; account: string; resource: string } | undefined {
  const m = /^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|):(.+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}
