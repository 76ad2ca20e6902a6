import { hash, timingSafeEqual } from 'node:crypto';
import type { AppserviceConfig, Config } from '../config/config.js';
import { err, ok, type Result } from '../domain/result.js';

/** A configured appservice, as the compat login API sees it. */
export type Appservice = AppserviceConfig;

/**
 * The configured appservice registrations: which appservice a token belongs to, and which users it may
 * sign in with `m.login.application_service` (MAS issue #2580: bridges with end-to-bridge encryption
 * need devices of their own users). That login is off unless an appservice opts in: MSC4190 has
 * appservices create their devices through the homeserver instead.
 */
export class AppserviceRegistry {
  readonly #entries: { appservice: Appservice; digest: Buffer }[];

  constructor(
    appservices: readonly Appservice[],
    private readonly serverName: string,
  ) {
    this.#entries = appservices.map((appservice) => ({ appservice, digest: digest(appservice.asToken) }));
  }

  static fromConfig(config: Pick<Config, 'appservices' | 'matrix'>): AppserviceRegistry {
    return new AppserviceRegistry(config.appservices, config.matrix.homeserver);
  }

  /** True when any appservice is configured. */
  get enabled(): boolean {
    return this.#entries.length > 0;
  }

  /** True when some appservice opted in to `m.login.application_service` (GET /login then lists it). */
  get loginOffered(): boolean {
    return this.#entries.some((e) => e.appservice.login);
  }

  /** MSC4190: only an appservice configured with `appservice_login` may still use the old login. */
  loginAllowed(appservice: Appservice): boolean {
    return appservice.login;
  }

  get appservices(): readonly Appservice[] {
    return this.#entries.map((e) => e.appservice);
  }

  /**
   * The appservice whose `as_token` is `bearerToken`, compared in constant time: both sides are hashed to
   * one length, and every registration is compared, so the timing tells neither the length nor which one.
   */
  authenticate(bearerToken: string): Appservice | undefined {
    const given = digest(bearerToken);
    let found: Appservice | undefined;
    for (const entry of this.#entries)
      if (timingSafeEqual(given, entry.digest) && found === undefined) found = entry.appservice;
    return found;
  }

  /**
   * True when `appservice` may sign in `@localpart:server`: its sender, or a user of one of its exclusive
   * user namespaces. As Synapse's `is_exclusive_user`, the first namespace matching the user decides.
   */
  mayLogin(appservice: Appservice, localpart: string): boolean {
    const userId = `@${localpart}:${this.serverName}`;
    if (userId === appservice.sender) return true;
    return appservice.userNamespaces.find((n) => n.regex.test(userId))?.exclusive ?? false;
  }
}

function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * Compiles a namespace regex of a Synapse registration (Python syntax) into a JavaScript RegExp matching
 * as Python's `re.match` does: anchored at the start only. The Python spellings JavaScript lacks are
 * translated: `(?P<name>…)`, `(?P=name)`, `\A`, `\Z`, and leading global flags `(?i)`, `(?s)`, `(?m)`.
 */
export function compileNamespaceRegex(source: string): Result<RegExp, string> {
  let flags = '';
  let rest = source;
  const leading = /^\(\?([aiLmsux]+)\)/.exec(rest);
  if (leading) {
    for (const flag of leading[1]!) {
      if (flag === 'x') return err('the verbose flag (?x) is not supported');
      if ('ims'.includes(flag) && !flags.includes(flag)) flags += flag;
    }
    rest = rest.slice(leading[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === '\\') {
      const next = rest[i + 1];
      if (next === undefined) return err('a trailing backslash');
      i++;
      if (!inClass && next === 'A') out += '^';
      else if (!inClass && next === 'Z') out += '$(?![\\s\\S])';
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A `]` first in a class (or after `^`) is literal in Python.
      if (rest[i + 1] === '^') out += rest[++i];
      if (rest[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (rest.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(rest.slice(i));
    if (backref) {
      out += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    out += c;
  }
  try {
    return ok(new RegExp(`^(?:${out})`, flags));
  } catch (e) {
    return err((e as Error).message);
  }
}
