/** Sign-in through upstream providers: the buttons, the first sign-in pages, the refusals, the account page. */
export const en = {
  'upstream.continue_with': 'Continue with {provider}',
  'upstream.or': 'or',
  'upstream.identity_used':
    'This sign-in was used already, or the identity was linked to another account meanwhile. Start again.',
  'upstream.problem.title': 'Signing in with {provider} did not work',
  'upstream.problem.no_state': '{provider} sent the browser back without the sign-in it belongs to.',
  'upstream.problem.unknown_state': 'This sign-in with {provider} is not known here. Start again.',
  'upstream.problem.other_browser':
    'This sign-in with {provider} was started in another browser. Start again in this one.',
  'upstream.problem.expired': 'This sign-in with {provider} took too long. Start again.',
  'upstream.problem.replayed': 'This sign-in with {provider} was used already. Start again.',
  'upstream.problem.denied': '{provider} did not sign you in ({error}).',
  'upstream.problem.unreachable':
    '{provider} cannot be reached right now. Try again later, or sign in another way.',
  'upstream.problem.bad_response':
    '{provider} gave an answer that cannot be used. Try again later, or sign in another way.',
  'upstream.problem.untrusted': 'The answer from {provider} failed a security check, so it was not accepted.',
  'upstream.problem.no_subject': '{provider} did not say who you are.',
  'upstream.problem.gone': 'This sign-in with {provider} is over or belongs to another browser. Start again.',
  'upstream.try_other': 'Sign in another way',
  'upstream.inactive_locked':
    'The account this {provider} identity signs in to is locked. Contact the administrators of {server}.',
  'upstream.inactive_deactivated': 'The account this {provider} identity signs in to has been deactivated.',
  'upstream.refused.title': 'You cannot sign in here',
  'upstream.refused': 'Signing in through {provider} needs an account there with {requirement}.',
  'upstream.missing.title': 'Information missing',
  'upstream.missing':
    '{provider} did not give your {attribute}, which {server} needs to create your account.',
  'upstream.attribute.localpart': 'username',
  'upstream.attribute.displayname': 'display name',
  'upstream.attribute.email': 'email address',
  'upstream.conflict.title': 'This account exists already',
  'upstream.conflict':
    'The account {user} exists already and cannot be signed in to through {provider}. Sign in another way, or ask the administrators of {server}.',
  'upstream.localpart_refused.title': 'This username cannot be used',
  'upstream.localpart_refused':
    'The username {localpart} from {provider} cannot be registered on {server}: {reason}',
  'upstream.register.title': 'Create your account',
  'upstream.register.lead': 'You signed in with {provider}. Choose how your account on {server} is set up.',
  'upstream.register.import_display_name': 'Use my name from {provider}: {value}',
  'upstream.register.import_email': 'Use my email address from {provider}: {value}',
  'upstream.register.submit': 'Create account',
  'upstream.confirm.title': 'Continue as {user}?',
  'upstream.confirm.lead': 'This creates the account {user} on {server}, signed in with {provider}.',
  'upstream.confirm.submit': 'Continue',
  'upstream.repost.title': 'Continuing sign-in',
  'upstream.repost': 'Continue',
  'upstream.account.title': 'Sign-in providers',
  'upstream.account.lead': 'Accounts elsewhere you can sign in with.',
  'upstream.account.none': 'No provider is linked.',
  'upstream.account.link': 'Link {provider}',
  'upstream.account.unlink': 'Remove',
  'upstream.account.last_way':
    'This is your only way to sign in. Link another provider or set a password before removing it.',
  'upstream.account.linked_elsewhere': 'This {provider} account is linked to another account already.',
  'upstream.account.linked': '{provider} is linked.',
  'upstream.account.unlinked': 'The provider was removed.',
};

export const de: Record<keyof typeof en, string> = {
  'upstream.continue_with': 'Weiter mit {provider}',
  'upstream.or': 'oder',
  'upstream.identity_used':
    'Diese Anmeldung wurde schon verwendet, oder die Identität wurde inzwischen mit einem anderen Konto verknüpft. Bitte neu beginnen.',
  'upstream.problem.title': 'Die Anmeldung mit {provider} hat nicht geklappt',
  'upstream.problem.no_state': '{provider} hat den Browser ohne die zugehörige Anmeldung zurückgeschickt.',
  'upstream.problem.unknown_state':
    'Diese Anmeldung mit {provider} ist hier nicht bekannt. Bitte neu beginnen.',
  'upstream.problem.other_browser':
    'Diese Anmeldung mit {provider} wurde in einem anderen Browser begonnen. Bitte in diesem Browser neu beginnen.',
  'upstream.problem.expired': 'Diese Anmeldung mit {provider} hat zu lange gedauert. Bitte neu beginnen.',
  'upstream.problem.replayed': 'Diese Anmeldung mit {provider} wurde schon verwendet. Bitte neu beginnen.',
  'upstream.problem.denied': '{provider} hat Sie nicht angemeldet ({error}).',
  'upstream.problem.unreachable':
    '{provider} ist gerade nicht erreichbar. Versuchen Sie es später noch einmal oder melden Sie sich anders an.',
  'upstream.problem.bad_response':
    '{provider} hat eine unbrauchbare Antwort gegeben. Versuchen Sie es später noch einmal oder melden Sie sich anders an.',
  'upstream.problem.untrusted':
    'Die Antwort von {provider} hat eine Sicherheitsprüfung nicht bestanden und wurde nicht angenommen.',
  'upstream.problem.no_subject': '{provider} hat nicht mitgeteilt, wer Sie sind.',
  'upstream.problem.gone':
    'Diese Anmeldung mit {provider} ist vorbei oder gehört zu einem anderen Browser. Bitte neu beginnen.',
  'upstream.try_other': 'Anders anmelden',
  'upstream.inactive_locked':
    'Das Konto, bei dem diese Identität von {provider} anmeldet, ist gesperrt. Wenden Sie sich an die Administratoren von {server}.',
  'upstream.inactive_deactivated':
    'Das Konto, bei dem diese Identität von {provider} anmeldet, wurde deaktiviert.',
  'upstream.refused.title': 'Sie können sich hier nicht anmelden',
  'upstream.refused': 'Die Anmeldung über {provider} setzt dort ein Konto mit {requirement} voraus.',
  'upstream.missing.title': 'Angaben fehlen',
  'upstream.missing':
    '{provider} hat Ihren {attribute} nicht übermittelt, den {server} zum Anlegen Ihres Kontos braucht.',
  'upstream.attribute.localpart': 'Benutzernamen',
  'upstream.attribute.displayname': 'Anzeigenamen',
  'upstream.attribute.email': 'E-Mail-Adresse',
  'upstream.conflict.title': 'Dieses Konto gibt es schon',
  'upstream.conflict':
    'Das Konto {user} gibt es schon, und es kann nicht über {provider} angemeldet werden. Melden Sie sich anders an oder fragen Sie die Administratoren von {server}.',
  'upstream.localpart_refused.title': 'Dieser Benutzername kann nicht verwendet werden',
  'upstream.localpart_refused':
    'Der Benutzername {localpart} von {provider} kann auf {server} nicht registriert werden: {reason}',
  'upstream.register.title': 'Konto anlegen',
  'upstream.register.lead':
    'Sie haben sich mit {provider} angemeldet. Legen Sie fest, wie Ihr Konto auf {server} eingerichtet wird.',
  'upstream.register.import_display_name': 'Meinen Namen von {provider} verwenden: {value}',
  'upstream.register.import_email': 'Meine E-Mail-Adresse von {provider} verwenden: {value}',
  'upstream.register.submit': 'Konto anlegen',
  'upstream.confirm.title': 'Als {user} fortfahren?',
  'upstream.confirm.lead': 'Damit wird das Konto {user} auf {server} angelegt, angemeldet mit {provider}.',
  'upstream.confirm.submit': 'Fortfahren',
  'upstream.repost.title': 'Anmeldung wird fortgesetzt',
  'upstream.repost': 'Fortfahren',
  'upstream.account.title': 'Anmeldedienste',
  'upstream.account.lead': 'Konten bei anderen Diensten, mit denen Sie sich anmelden können.',
  'upstream.account.none': 'Kein Anmeldedienst ist verknüpft.',
  'upstream.account.link': '{provider} verknüpfen',
  'upstream.account.unlink': 'Entfernen',
  'upstream.account.last_way':
    'Dies ist Ihre einzige Möglichkeit, sich anzumelden. Verknüpfen Sie zuerst einen anderen Dienst oder legen Sie ein Passwort fest.',
  'upstream.account.linked_elsewhere':
    'Dieses Konto bei {provider} ist schon mit einem anderen Konto verknüpft.',
  'upstream.account.linked': '{provider} ist verknüpft.',
  'upstream.account.unlinked': 'Der Anmeldedienst wurde entfernt.',
};
