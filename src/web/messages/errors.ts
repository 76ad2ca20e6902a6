/**
 * The start page and every error page: not found, a failure of mxauth's, the database away, and the
 * OAuth errors an app's sign-in request can end in (web/error-pages.ts picks the sentence by code).
 */
export const en = {
  'home.title': '{service}',
  'home.lead': 'This is where you sign in to your Matrix account on {server}.',
  'home.apps': 'Apps bring you here when you sign in. You can also manage your account here.',
  'home.sign_in': 'Sign in',
  'home.create_account': 'Create an account',
  'home.account': 'Manage your account',
  'home.signed_in': 'You are signed in as {user}.',
  'problem.home': 'Go to the start page',
  'problem.back': 'Go back',
  'problem.technical': 'Technical details:',
  'problem.not_found.title': 'Page not found',
  'problem.not_found':
    'There is no page at this address. Check the link, or start again from the start page.',
  'problem.method.title': 'This page cannot be used this way',
  'problem.method': 'The request used a method this address does not accept.',
  'problem.bad_request.title': 'The request could not be read',
  'problem.bad_request': 'Something in the request was not valid. Go back and try again.',
  'problem.too_large.title': 'The request was too large',
  'problem.too_large': 'What was sent is more than this page accepts. Go back and send less.',
  'problem.internal.title': 'Something went wrong on our side',
  'problem.internal': 'The error has been logged. Try again in a moment.',
  'problem.unavailable.title': '{service} is temporarily unavailable',
  'problem.unavailable': 'The service cannot reach its data right now. Try again in a few minutes.',
  'problem.sign_in_lost':
    'This sign-in was started in another browser, or took too long. Start again and it will work.',
  'problem.start_again': 'Start again',
  'oauth.title': 'This sign-in cannot continue',
  'oauth.invalid_client': 'This app is not registered with {server}. Contact the app’s developers.',
  'oauth.invalid_redirect_uri':
    'This app asked to send you to an address it did not register with {server}. Do not continue; contact the app’s developers.',
  'oauth.unsupported_response_type':
    'This app asked to sign in in a way {server} does not support. Contact the app’s developers.',
  'oauth.unauthorized_client': 'This app is not allowed to sign in this way. Contact the app’s developers.',
  'oauth.invalid_scope': 'This app asked for access {server} cannot give. Contact the app’s developers.',
  'oauth.invalid_request': 'The app’s sign-in request was not valid. Go back to the app and try again.',
  'oauth.invalid_request_uri':
    'The app’s sign-in request has expired or is not valid. Go back to the app and try again.',
  'oauth.access_denied': 'The sign-in was cancelled. Go back to the app to try again.',
  'oauth.expired':
    'This page has expired or was opened in another browser. Go back to the app and start again.',
  'oauth.device_expired':
    'This page has expired or was opened in another browser. Start again from the device.',
  'oauth.too_many': 'Too many attempts. Wait a few minutes and try again.',
  'oauth.other': 'The sign-in could not be completed. Go back to the app and try again.',
} as const;

export const de: Record<keyof typeof en, string> = {
  'home.title': '{service}',
  'home.lead': 'Hier meldest du dich bei deinem Matrix-Konto auf {server} an.',
  'home.apps':
    'Apps schicken dich hierher, wenn du dich anmeldest. Hier kannst du auch dein Konto verwalten.',
  'home.sign_in': 'Anmelden',
  'home.create_account': 'Konto erstellen',
  'home.account': 'Konto verwalten',
  'home.signed_in': 'Du bist als {user} angemeldet.',
  'problem.home': 'Zur Startseite',
  'problem.back': 'Zurück',
  'problem.technical': 'Technische Angaben:',
  'problem.not_found.title': 'Seite nicht gefunden',
  'problem.not_found':
    'Unter dieser Adresse gibt es keine Seite. Prüfe den Link oder fang auf der Startseite neu an.',
  'problem.method.title': 'Diese Seite lässt sich so nicht verwenden',
  'problem.method': 'Die Anfrage hat eine Methode verwendet, die diese Adresse nicht annimmt.',
  'problem.bad_request.title': 'Die Anfrage konnte nicht gelesen werden',
  'problem.bad_request': 'Etwas in der Anfrage war ungültig. Geh zurück und versuche es erneut.',
  'problem.too_large.title': 'Die Anfrage war zu groß',
  'problem.too_large': 'Es wurde mehr gesendet, als diese Seite annimmt. Geh zurück und sende weniger.',
  'problem.internal.title': 'Bei uns ist etwas schiefgelaufen',
  'problem.internal': 'Der Fehler wurde protokolliert. Versuche es gleich noch einmal.',
  'problem.unavailable.title': '{service} ist vorübergehend nicht erreichbar',
  'problem.unavailable':
    'Der Dienst kann seine Daten gerade nicht erreichen. Versuche es in ein paar Minuten erneut.',
  'problem.sign_in_lost':
    'Diese Anmeldung wurde in einem anderen Browser begonnen oder hat zu lange gedauert. Fang neu an, dann klappt es.',
  'problem.start_again': 'Neu anfangen',
  'oauth.title': 'Diese Anmeldung kann nicht fortgesetzt werden',
  'oauth.invalid_client':
    'Diese App ist bei {server} nicht registriert. Wende dich an die Entwickler der App.',
  'oauth.invalid_redirect_uri':
    'Diese App wollte dich an eine Adresse schicken, die sie bei {server} nicht registriert hat. Fahre nicht fort und wende dich an die Entwickler der App.',
  'oauth.unsupported_response_type':
    'Diese App wollte sich auf eine Weise anmelden, die {server} nicht unterstützt. Wende dich an die Entwickler der App.',
  'oauth.unauthorized_client':
    'Diese App darf sich nicht auf diese Weise anmelden. Wende dich an die Entwickler der App.',
  'oauth.invalid_scope':
    'Diese App hat einen Zugriff angefordert, den {server} nicht gewähren kann. Wende dich an die Entwickler der App.',
  'oauth.invalid_request':
    'Die Anmeldeanfrage der App war ungültig. Geh zurück zur App und versuche es erneut.',
  'oauth.invalid_request_uri':
    'Die Anmeldeanfrage der App ist abgelaufen oder ungültig. Geh zurück zur App und versuche es erneut.',
  'oauth.access_denied': 'Die Anmeldung wurde abgebrochen. Geh zurück zur App, um es erneut zu versuchen.',
  'oauth.expired':
    'Diese Seite ist abgelaufen oder wurde in einem anderen Browser geöffnet. Geh zurück zur App und fang neu an.',
  'oauth.device_expired':
    'Diese Seite ist abgelaufen oder wurde in einem anderen Browser geöffnet. Fang auf dem Gerät neu an.',
  'oauth.too_many': 'Zu viele Versuche. Warte ein paar Minuten und versuche es erneut.',
  'oauth.other':
    'Die Anmeldung konnte nicht abgeschlossen werden. Geh zurück zur App und versuche es erneut.',
};
