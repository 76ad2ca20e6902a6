import { compileNamespaceRegex } from '../compat/appservices.js';
import type { AppserviceConfig } from './config.js';
import { formatProblem, problemsFromZod } from './problems.js';
import { readYaml } from './read.js';
import type { Resolution } from './resolution.js';
import { appserviceRegistration, type ConfigFile } from './schema.js';

/** The registration's own fields (the entry's `appservice_login` is mxauth's, read from the entry). */
type Registration = ReturnType<typeof appserviceRegistration.parse>;

type Entry = ConfigFile['appservices'][number];

/** Reports a problem with a key of a registration, named as the operator wrote it. */
type ReportKey = (key: string, message: string) => void;

/**
 * Reads the appservice registrations (inline, or from Synapse registration files) and compiles their user
 * namespaces. Problems inside a file are reported at `appservices.N.file`, naming the key in the file.
 */
export function resolveAppservices(file: ConfigFile, r: Resolution): AppserviceConfig[] {
  const appservices: AppserviceConfig[] = [];
  file.appservices.forEach((entry, i) => {
    const read = readRegistration(entry, `appservices.${i}`, r);
    if (!read) return;
    const { registration, source, report } = read;
    const userNamespaces = compileNamespaces(registration, report);
    const unique = isUnique(registration, appservices, report);
    if (!userNamespaces || !unique) return;
    appservices.push({
      id: registration.id,
      asToken: registration.as_token,
      sender: `@${registration.sender_localpart}:${file.matrix.homeserver}`,
      userNamespaces,
      file: source,
      login: entry.appservice_login,
    });
  });
  return appservices;
}

/** A registration given inline may carry any key, even `file`; the file form has nothing but `file`. */
function readRegistration(
  entry: Entry,
  where: string,
  r: Resolution,
): { registration: Registration; source: string | undefined; report: ReportKey } | undefined {
  if ('id' in entry)
    return {
      registration: entry as Registration,
      source: undefined,
      report: (key, message) => r.at(`${where}.${key}`)(message),
    };
  const source = r.path((entry as { file: string }).file);
  const fileAt = r.at(`${where}.file`);
  const read = readYaml(source);
  if (!read.ok) {
    fileAt(
      read.error.kind === 'unreadable'
        ? `cannot read ${source}: ${read.error.reason}`
        : read.error.messages[0]!,
    );
    return undefined;
  }
  const parsed = appserviceRegistration.safeParse(read.value);
  if (!parsed.success) {
    for (const problem of problemsFromZod(parsed.error.issues, read.value))
      fileAt(`${source}: ${formatProblem(problem)}`);
    return undefined;
  }
  return {
    registration: parsed.data,
    source,
    report: (key, message) => fileAt(`${source}: ${key}: ${message}`),
  };
}

function compileNamespaces(
  registration: Registration,
  report: ReportKey,
): AppserviceConfig['userNamespaces'] | undefined {
  const userNamespaces: AppserviceConfig['userNamespaces'] = [];
  let valid = true;
  registration.namespaces.users.forEach((namespace, j) => {
    const regex = compileNamespaceRegex(namespace.regex);
    if (regex.ok) userNamespaces.push({ exclusive: namespace.exclusive, regex: regex.value });
    else {
      report(`namespaces.users.${j}.regex`, `not a usable regular expression: ${regex.error}`);
      valid = false;
    }
  });
  return valid ? userNamespaces : undefined;
}

/** An appservice is told apart by its id and by its token: neither may be another's. */
function isUnique(registration: Registration, others: AppserviceConfig[], report: ReportKey): boolean {
  if (others.some((a) => a.id === registration.id)) {
    report('id', `appservice id "${registration.id}" is used twice`);
    return false;
  }
  if (others.some((a) => a.asToken === registration.as_token)) {
    report('as_token', `the as_token of appservice "${registration.id}" is also another appservice's`);
    return false;
  }
  return true;
}
