/** The account pages. */
export const en = {
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
  'account.cross_signing.title': 'Reset your cross-signing identity',
  'account.cross_signing.explain':
    'Do this only if you have lost access to all your signed-in devices and to your recovery key. After you allow it, your app can set up a new identity within the next 10 minutes without asking for your password. Messages sent before stay unreadable, and the people you talk to will see that your identity changed.',
  'account.cross_signing.allow': 'Allow the reset',
  'account.cross_signing.allowed': 'Done. Go back to your app and finish the reset within 10 minutes.',
  'account.cross_signing.unavailable': 'The homeserver could not be reached. Please try again in a moment.',
} as const;

export const de: Record<keyof typeof en, string> = {
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
  'account.cross_signing.title': 'Kreuzsignierungs-Identität zurücksetzen',
  'account.cross_signing.explain':
    'Tu das nur, wenn du keinen Zugriff mehr auf deine angemeldeten Geräte und deinen Wiederherstellungsschlüssel hast. Wenn du es erlaubst, kann deine App in den nächsten 10 Minuten eine neue Identität einrichten, ohne nach deinem Passwort zu fragen. Früher gesendete Nachrichten bleiben unlesbar, und deine Kontakte sehen, dass sich deine Identität geändert hat.',
  'account.cross_signing.allow': 'Zurücksetzen erlauben',
  'account.cross_signing.allowed':
    'Erledigt. Kehre zu deiner App zurück und schließe das Zurücksetzen innerhalb von 10 Minuten ab.',
  'account.cross_signing.unavailable':
    'Der Homeserver ist gerade nicht erreichbar. Bitte versuche es gleich noch einmal.',
};
