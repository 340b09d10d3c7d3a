/**
 * Props validation shared by the constructs: every error names the construct, the prop and the
 * fix, so a bad `cdk.json` or `-c` value is found from the message alone.
 */
import { Token } from 'aws-cdk-lib';

/** A prop (or a context key) that cannot be used. */
export class PropError extends Error {
  override readonly name = 'PropError';
  constructor(owner: string, prop: string, problem: string, fix: string) {
    super(`${owner}: ${prop} ${problem}; ${fix}`);
  }
}

/** True when the value is known at synth time (not a CloudFormation token). */
export const isLiteral = (value: string | number): boolean => !Token.isUnresolved(value);

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** An IPv4 CIDR such as 10.0.0.0/16; octets up to 255, prefix up to 32. */
export function isIpv4Cidr(value: string): boolean {
  const m = IPV4_CIDR.exec(value);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) && Number(m[5]) <= 32;
}

/** 0.0.0.0/0 and friends: anything with a prefix shorter than /8 is "the world" for a database. */
export function isWorldCidr(value: string): boolean {
  const m = IPV4_CIDR.exec(value);
  return m !== null && Number(m[5]) < 8;
}

export function requireIntIn(owner: string, prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PropError(owner, prop, `is ${JSON.stringify(value)}`, `use a whole number from ${min} to ${max}`);
  }
}

export function requireMatch(owner: string, prop: string, value: string, pattern: RegExp, example: string): void {
  if (isLiteral(value) && !pattern.test(value)) {
    throw new PropError(owner, prop, `is ${JSON.stringify(value)}`, `use a value such as "${example}"`);
  }
}
