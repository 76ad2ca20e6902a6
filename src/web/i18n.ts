/*
 * Message catalogs, chosen per request from Accept-Language. Every string a page shows comes from here,
 * so adding a language is adding a catalog.
 */

const en = {
  'site.title': 'Sign in',
  'login.title': 'Sign in',
  'login.lead': 'to continue to {client}',
  'login.username': 'Username',
  'login.username_or_email': 'Username or email address',
  'login.password': 'Password',
  'login.submit': 'Continue',
  'login.create_account': 'Create an account',
  'login.invalid': 'The username or password is wrong.',
  'login.locked': 'This account is locked. Contact the administrator of {server}.',
  'login.deactivated': 'This account has been deactivated.',
  'login.rate_limited': 'Too many attempts. Wait a moment and try again.',
  'register.title': 'Create an account',
  'register.lead': 'on {server}',
  'register.username_hint': 'Lowercase letters, digits and . _ = - / + — your address will be @name:{server}',
  'register.password_hint': 'Use a long password that you do not use elsewhere.',
  'register.confirm': 'Repeat the password',
  'register.submit': 'Create account',
  'register.mismatch': 'The two passwords differ.',
  'register.have_account': 'I already have an account',
  'consent.title': 'Allow access?',
  'consent.lead': '{client} wants to use your account {user}.',
  'consent.full_access':
    'Full access to your account: read and send messages, manage rooms, settings and devices.',
  'consent.device': 'Sign in as a new device with the id {device}.',
  'consent.admin': 'Administer the homeserver on your behalf.',
  'consent.openid': 'See your username.',
  'consent.email': 'See your email address.',
  'consent.allow': 'Allow',
  'consent.deny': 'Cancel',
  'consent.site': 'Site: {host}',
  'consent.not_you': 'Not you? Sign in as someone else',
  'error.title': 'Something went wrong',
  'error.csrf': 'The form expired. Go back, reload the page and try again.',
  'logout.title': 'Sign out?',
  'logout.lead': 'Sign out of {server} in this browser.',
  'logout.submit': 'Sign out',
  'logout.cancel': 'Stay signed in',
  'logout.done': 'You are signed out.',
  'device.title': 'Connect a device',
  'device.lead': 'Enter the code shown on the device you want to sign in.',
  'device.code': 'Code',
  'device.submit': 'Continue',
  'device.invalid': 'This code is wrong or has expired.',
  'device.confirm_title': 'Sign in this device?',
  'device.confirm_lead': 'Only continue if the code {code} is shown on the device you are signing in.',
  'device.done': 'The device is signed in. You can close this page.',
  'device.denied': 'The device was not signed in.',
  'account.title': 'Your account',
  'account.sessions': 'Signed-in devices',
  'account.client': 'App',
  'account.device': 'Device id',
  'account.created': 'Signed in',
  'account.last_active': 'Last active',
  'account.sign_out': 'Sign out',
  'account.none': 'No devices are signed in.',
  'account.signed_out': 'The device was signed out.',
  'account.never': '—',
  'account.rename': 'Rename',
  'account.device_name': 'New name for device',
  'account.renamed': 'The device was renamed.',
  'account.legacy_client': 'Legacy client',
  'sso.confirm.title': 'Continue to {host}?',
  'sso.confirm.lead': 'You are signed in as {user}. {host} will get full access to your account.',
  'sso.confirm.warning': 'Only continue if you started signing in to an app just now and trust {host}.',
  'sso.confirm.continue': 'Continue to {host}',
  'sso.invalid_redirect.title': 'This sign-in link is broken',
  'sso.invalid_redirect':
    'The app did not say where to continue: redirectUrl must be an absolute http or https address. Contact the app’s developers.',
  'account.cross_signing.title': 'Reset your cross-signing identity',
  'account.cross_signing.explain':
    'Do this only if you have lost access to all your signed-in devices and to your recovery key. After you allow it, your app can set up a new identity within the next 10 minutes without asking for your password. Messages sent before stay unreadable, and the people you talk to will see that your identity changed.',
  'account.cross_signing.allow': 'Allow the reset',
  'account.cross_signing.allowed': 'Done. Go back to your app and finish the reset within 10 minutes.',
  'account.cross_signing.unavailable': 'The homeserver could not be reached. Please try again in a moment.',
} as const;

export type MessageKey = keyof typeof en;
type Catalog = Record<MessageKey, string>;

const de: Catalog = {
  'site.title': 'Anmelden',
  'login.title': 'Anmelden',
  'login.lead': 'um mit {client} fortzufahren',
  'login.username': 'Benutzername',
  'login.username_or_email': 'Benutzername oder E-Mail-Adresse',
  'login.password': 'Passwort',
  'login.submit': 'Weiter',
  'login.create_account': 'Konto erstellen',
  'login.invalid': 'Benutzername oder Passwort ist falsch.',
  'login.locked': 'Dieses Konto ist gesperrt. Wende dich an die Verwaltung von {server}.',
  'login.deactivated': 'Dieses Konto wurde deaktiviert.',
  'login.rate_limited': 'Zu viele Versuche. Warte kurz und versuche es erneut.',
  'register.title': 'Konto erstellen',
  'register.lead': 'auf {server}',
  'register.username_hint': 'Kleinbuchstaben, Ziffern und . _ = - / + — deine Adresse wird @name:{server}',
  'register.password_hint': 'Wähle ein langes Passwort, das du nirgends sonst verwendest.',
  'register.confirm': 'Passwort wiederholen',
  'register.submit': 'Konto erstellen',
  'register.mismatch': 'Die beiden Passwörter stimmen nicht überein.',
  'register.have_account': 'Ich habe schon ein Konto',
  'consent.title': 'Zugriff erlauben?',
  'consent.lead': '{client} möchte dein Konto {user} verwenden.',
  'consent.full_access':
    'Voller Zugriff auf dein Konto: Nachrichten lesen und senden, Räume, Einstellungen und Geräte verwalten.',
  'consent.device': 'Als neues Gerät mit der Kennung {device} anmelden.',
  'consent.admin': 'Den Homeserver in deinem Namen verwalten.',
  'consent.openid': 'Deinen Benutzernamen sehen.',
  'consent.email': 'Deine E-Mail-Adresse sehen.',
  'consent.allow': 'Erlauben',
  'consent.deny': 'Abbrechen',
  'consent.site': 'Website: {host}',
  'consent.not_you': 'Nicht du? Mit einem anderen Konto anmelden',
  'error.title': 'Etwas ist schiefgelaufen',
  'error.csrf': 'Das Formular ist abgelaufen. Geh zurück, lade die Seite neu und versuche es erneut.',
  'logout.title': 'Abmelden?',
  'logout.lead': 'In diesem Browser von {server} abmelden.',
  'logout.submit': 'Abmelden',
  'logout.cancel': 'Angemeldet bleiben',
  'logout.done': 'Du bist abgemeldet.',
  'device.title': 'Gerät verbinden',
  'device.lead': 'Gib den Code ein, der auf dem Gerät angezeigt wird, das du anmelden möchtest.',
  'device.code': 'Code',
  'device.submit': 'Weiter',
  'device.invalid': 'Dieser Code ist falsch oder abgelaufen.',
  'device.confirm_title': 'Dieses Gerät anmelden?',
  'device.confirm_lead':
    'Fahre nur fort, wenn der Code {code} auf dem Gerät angezeigt wird, das du anmeldest.',
  'device.done': 'Das Gerät ist angemeldet. Du kannst diese Seite schließen.',
  'device.denied': 'Das Gerät wurde nicht angemeldet.',
  'account.title': 'Dein Konto',
  'account.sessions': 'Angemeldete Geräte',
  'account.client': 'App',
  'account.device': 'Gerätekennung',
  'account.created': 'Angemeldet',
  'account.last_active': 'Zuletzt aktiv',
  'account.sign_out': 'Abmelden',
  'account.none': 'Keine Geräte angemeldet.',
  'account.signed_out': 'Das Gerät wurde abgemeldet.',
  'account.never': '—',
  'account.rename': 'Umbenennen',
  'account.device_name': 'Neuer Name für Gerät',
  'account.renamed': 'Das Gerät wurde umbenannt.',
  'account.legacy_client': 'Älterer Client',
  'sso.confirm.title': 'Weiter zu {host}?',
  'sso.confirm.lead': 'Du bist als {user} angemeldet. {host} erhält vollen Zugriff auf dein Konto.',
  'sso.confirm.warning':
    'Fahre nur fort, wenn du gerade die Anmeldung bei einer App begonnen hast und {host} vertraust.',
  'sso.confirm.continue': 'Weiter zu {host}',
  'sso.invalid_redirect.title': 'Dieser Anmeldelink ist fehlerhaft',
  'sso.invalid_redirect':
    'Die App hat nicht angegeben, wohin es weitergeht: redirectUrl muss eine absolute http- oder https-Adresse sein. Wende dich an die Entwickler der App.',
  'account.cross_signing.title': 'Kreuzsignierungs-Identität zurücksetzen',
  'account.cross_signing.explain':
    'Tu das nur, wenn du keinen Zugriff mehr auf deine angemeldeten Geräte und deinen Wiederherstellungsschlüssel hast. Wenn du es erlaubst, kann deine App in den nächsten 10 Minuten eine neue Identität einrichten, ohne nach deinem Passwort zu fragen. Früher gesendete Nachrichten bleiben unlesbar, und deine Kontakte sehen, dass sich deine Identität geändert hat.',
  'account.cross_signing.allow': 'Zurücksetzen erlauben',
  'account.cross_signing.allowed':
    'Erledigt. Kehre zu deiner App zurück und schließe das Zurücksetzen innerhalb von 10 Minuten ab.',
  'account.cross_signing.unavailable':
    'Der Homeserver ist gerade nicht erreichbar. Bitte versuche es gleich noch einmal.',
};

const catalogs: Record<string, Catalog> = { en, de };
export const LANGUAGES = Object.keys(catalogs);

export type Translate = ((key: MessageKey, params?: Record<string, string>) => string) & { language: string };

/** Picks the best catalog for an Accept-Language header (q-values honoured), English when none fits. */
export function translator(acceptLanguage: string | undefined, override?: string): Translate {
  const language = override && catalogs[override] ? override : negotiate(acceptLanguage);
  const catalog = catalogs[language] ?? en;
  const t = ((key, params = {}) =>
    catalog[key].replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? `{${name}}`)) as Translate;
  t.language = language;
  return t;
}

export function negotiate(
  acceptLanguage: string | undefined,
  available: readonly string[] = LANGUAGES,
): string {
  const ranges = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? 1,
      );
      return { tag: tag.toLowerCase(), q: Number.isFinite(q) ? q : 0 };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranges) {
    if (available.includes(tag)) return tag;
    const primary = tag.split('-')[0]!;
    if (available.includes(primary)) return primary;
  }
  return 'en';
}
