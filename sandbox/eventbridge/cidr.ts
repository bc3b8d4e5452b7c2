import { fail } from './invalid.ts';
import type { ValueTest } from './values.ts';

/**
 * `{"cidr": "10.0.0.0/24"}` and `{"cidr": "2001:db8::/64"}`. Only string values that are IP addresses
 * of the same family as the range match; the range's host bits are ignored (`1.2.3.5/31` = `1.2.3.4/31`).
 */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseIpv4Number(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseGroups(text: string): bigint[] | undefined {
  if (text === '') return [];
  const groups: bigint[] = [];
  const parts = text.split(':');
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4Number(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(BigInt(parseInt(part, 16)));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6Number(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const present = head.length + tail.length;
  if (halves.length === 2 ? present > 7 : present !== 8) return undefined;
  const groups = [...head, ...Array<bigint>(8 - present).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6Number(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4Number(text);
  return value === undefined ? undefined : { family: 4, value };
}

export interface CidrRange {
  family: 4 | 6;
  prefixLength: number;
  network: bigint;
}

export function parseCidr(text: string): CidrRange | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  if (prefixLength > BITS[ip.family]) return undefined;
  const hostBits = BigInt(BITS[ip.family] - prefixLength);
  return { family: ip.family, prefixLength, network: (ip.value >> hostBits) << hostBits };
}

export function inRange(range: CidrRange, ip: IpAddress): boolean {
  if (ip.family !== range.family) return false;
  const hostBits = BigInt(BITS[range.family] - range.prefixLength);
  return (ip.value >> hostBits) << hostBits === range.network;
}

export function compileCidr(operand: unknown, path: string): ValueTest {
  if (typeof operand !== 'string') fail(path, 'cidr must be a string');
  const range = parseCidr(operand);
  if (!range) fail(path, `"${operand}" is not a valid IPv4 or IPv6 CIDR block (address/length)`);
  return (v) => {
    if (typeof v !== 'string') return false;
    const ip = parseIp(v);
    return ip !== undefined && inRange(range, ip);
  };
}
