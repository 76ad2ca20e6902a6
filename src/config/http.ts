import type { Bind, Config, ListenerConfig } from './config.js';
import { type ConfigFile, RESOURCE_NAMES } from './schema.js';

export function httpConfig(file: ConfigFile): Config['http'] {
  const publicBase = new URL(
    file.http.public_base.endsWith('/') ? file.http.public_base : `${file.http.public_base}/`,
  );
  // Served under public_base's path by default (a proxy passing the path through); `prefix: /` is none.
  const defaultPrefix = publicBase.pathname.slice(0, -1);
  const listeners: ListenerConfig[] = file.http.listeners.map((l, i) => ({
    name: l.name ?? `listener${i}`,
    resources: new Set(l.resources?.map((r) => (typeof r === 'string' ? r : r.name)) ?? RESOURCE_NAMES),
    binds: l.binds.map(toBind),
    prefix: l.prefix === undefined ? defaultPrefix : l.prefix === '/' ? '' : l.prefix,
  }));
  return {
    publicBase,
    issuer: file.http.issuer ?? file.http.public_base,
    listeners,
    trustedProxies: file.http.trusted_proxies,
  };
}

function toBind(bind: ConfigFile['http']['listeners'][number]['binds'][number]): Bind {
  if ('socket' in bind) return { socket: bind.socket };
  if ('port' in bind) return { host: bind.host ?? '::', port: bind.port };
  const separator = bind.address.lastIndexOf(':');
  const host = bind.address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  return { host: host || '::', port: Number(bind.address.slice(separator + 1)) };
}
