import { BlockList, isIP } from 'node:net';

/**
 * Finds the address of the person behind a request. A proxy appends the address it was reached from to
 * `X-Forwarded-For`; whatever is to the left of that came from the client and could say anything. So the
 * header counts only when the connection itself comes from a trusted proxy, and is read from the right,
 * hop by hop, as long as each hop is a trusted proxy: the first address that is not one is the client.
 * An entry that cannot be read ends the walk there (the last address read stands), since nothing left of
 * it can be told apart from what a client wrote.
 */
export class ClientAddressResolver {
  readonly #trusted = new BlockList();

  constructor(trustedNetworks: string[]) {
    for (const network of trustedNetworks) {
      const [address, bits] = network.split('/');
      const family = isIP(address ?? '');
      if (family === 0) continue;
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#trusted.addAddress(address!, type);
      else this.#trusted.addSubnet(address!, Number(bits), type);
    }
  }

  resolve(
    remoteAddress: string | undefined,
    forwardedFor: string | string[] | undefined,
  ): string | undefined {
    let current = remoteAddress === undefined ? undefined : parseForwardedEntry(remoteAddress);
    if (!current || !forwardedFor || !this.#isTrusted(current)) return current;
    const entries = [forwardedFor]
      .flat()
      .join(',')
      .split(',')
      .map((entry) => entry.trim())
      // An empty entry ("a,,b", a trailing comma) claims nothing; skipping it trusts nothing more.
      .filter((entry) => entry !== '');
    for (let i = entries.length - 1; i >= 0 && this.#isTrusted(current); i--) {
      const address = parseForwardedEntry(entries[i]!);
      if (address === undefined) break;
      current = address;
    }
    return current;
  }

  #isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.#trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/**
 * One `X-Forwarded-For` entry (or a socket's remote address) as a plain IP address: `203.0.113.7`,
 * `203.0.113.7:4711`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:4711`, with IPv4-mapped IPv6
 * (`::ffff:203.0.113.7`, how a dual-stack socket shows IPv4 clients) turned into IPv4. Anything else
 * (`unknown`, an obfuscated `_node` name, a zone id, garbage) is undefined.
 */
export function parseForwardedEntry(entry: string): string | undefined {
  const text = entry.trim();
  let address: string;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) {
    address = bracketed[1]!;
    if (isIP(address) !== 6 || !validPort(bracketed[2])) return undefined;
  } else {
    const withPort = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
    if (withPort) {
      address = withPort[1]!;
      if (isIP(address) !== 4 || !validPort(withPort[2])) return undefined;
    } else if (isIP(text) === 6) {
      // Bare IPv6 has no port: its last group would be read as one (`2001:db8::1:80` is one address).
      address = text;
    } else {
      return undefined;
    }
  }
  // Zone ids (`fe80::1%eth0`) name an interface of the proxy, not a client anyone could be limited by.
  if (address.includes('%')) return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  return address.toLowerCase();
}

function validPort(port: string | undefined): boolean {
  return port === undefined || Number(port) <= 65535;
}
