import { BlockList, isIP } from 'node:net';

/**
 * Finds the address of the person behind a request. `X-Forwarded-For` is believed only hop by hop from
 * the right, while each hop is a trusted proxy; anyone else could write anything in it.
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
    let current = normalise(remoteAddress);
    if (!current || !forwardedFor || !this.#isTrusted(current)) return current;
    const hops = [forwardedFor]
      .flat()
      .join(',')
      .split(',')
      .map((h) => normalise(h.trim()))
      .filter((h): h is string => !!h && isIP(h) !== 0);
    while (hops.length > 0 && this.#isTrusted(current)) current = hops.pop()!;
    return current;
  }

  #isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.#trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

// IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d.
function normalise(address: string | undefined): string | undefined {
  return address?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
