/**
 * Mails and texts: what mxauth sends to an address or a phone. `{service}` is the service name,
 * `{account}` the Matrix ID the message is about.
 */
export const en = {
  'mail.greeting': 'Hello,',
  'mail.footer': 'This mail was sent automatically by {service}.',
  'mail.link_fallback': 'If the button does not work, copy this address into your browser:',
  'mail.code.subject.registration_email': 'Your code to finish signing up to {service}',
  'mail.code.subject.add_email': 'Your code to add this address to {service}',
  'mail.code.subject.add_phone': 'Your code to add a phone number to {service}',
  'mail.code.lead.registration_email':
    'Enter this code to confirm your email address and finish creating your account at {service}:',
  'mail.code.lead.add_email': 'Enter this code to add this email address to your account at {service}:',
  'mail.code.lead.add_phone': 'Enter this code to add your phone number to your account at {service}:',
  'mail.code.label': 'Your code',
  'mail.code.expiry': 'The code is valid for {minutes} minutes and works once.',
  'mail.code.ignore': 'If you did not ask for this code, ignore this mail: nothing changes without it.',
  'mail.recovery.subject': 'Reset your password for {service}',
  'mail.recovery.lead':
    'Someone, hopefully you, asked to reset the password of {account} at {service}. Open this link to choose a new password:',
  'mail.recovery.button': 'Choose a new password',
  'mail.recovery.expiry': 'The link is valid for {minutes} minutes and works once.',
  'mail.recovery.ignore': 'If you did not ask for this, ignore this mail: your password stays as it is.',
  'mail.password_changed.subject': 'Your password for {service} was changed',
  'mail.password_changed.lead': 'The password of {account} at {service} was just changed.',
  'mail.password_changed.warning':
    'If you did not do this, reset your password right away and check which devices are signed in:',
  'mail.password_changed.button': 'Review your account',
  'sms.code': '{code} is your code for {service}. Do not share it with anyone.',
  'sms.recovery': 'Reset your password for {service}: {url}',
  'sms.password_changed':
    'The password of {account} at {service} was changed. If this was not you, reset it now.',
} as const;

export const de: Record<keyof typeof en, string> = {
  'mail.greeting': 'Hallo,',
  'mail.footer': 'Diese Mail wurde automatisch von {service} verschickt.',
  'mail.link_fallback': 'Falls der Knopf nicht funktioniert, kopiere diese Adresse in deinen Browser:',
  'mail.code.subject.registration_email': 'Dein Code, um die Registrierung bei {service} abzuschließen',
  'mail.code.subject.add_email': 'Dein Code, um diese Adresse zu {service} hinzuzufügen',
  'mail.code.subject.add_phone': 'Dein Code, um eine Telefonnummer zu {service} hinzuzufügen',
  'mail.code.lead.registration_email':
    'Gib diesen Code ein, um deine E-Mail-Adresse zu bestätigen und dein Konto bei {service} fertig anzulegen:',
  'mail.code.lead.add_email':
    'Gib diesen Code ein, um diese E-Mail-Adresse zu deinem Konto bei {service} hinzuzufügen:',
  'mail.code.lead.add_phone':
    'Gib diesen Code ein, um deine Telefonnummer zu deinem Konto bei {service} hinzuzufügen:',
  'mail.code.label': 'Dein Code',
  'mail.code.expiry': 'Der Code ist {minutes} Minuten lang gültig und funktioniert einmal.',
  'mail.code.ignore':
    'Falls du diesen Code nicht angefordert hast, ignoriere diese Mail: Ohne ihn ändert sich nichts.',
  'mail.recovery.subject': 'Setze dein Passwort für {service} zurück',
  'mail.recovery.lead':
    'Jemand, hoffentlich du, möchte das Passwort von {account} bei {service} zurücksetzen. Öffne diesen Link, um ein neues Passwort zu wählen:',
  'mail.recovery.button': 'Neues Passwort wählen',
  'mail.recovery.expiry': 'Der Link ist {minutes} Minuten lang gültig und funktioniert einmal.',
  'mail.recovery.ignore':
    'Falls du das nicht angefordert hast, ignoriere diese Mail: Dein Passwort bleibt, wie es ist.',
  'mail.password_changed.subject': 'Dein Passwort für {service} wurde geändert',
  'mail.password_changed.lead': 'Das Passwort von {account} bei {service} wurde gerade geändert.',
  'mail.password_changed.warning':
    'Falls du das nicht warst, setze dein Passwort sofort zurück und prüfe, welche Geräte angemeldet sind:',
  'mail.password_changed.button': 'Konto prüfen',
  'sms.code': '{code} ist dein Code für {service}. Gib ihn niemandem weiter.',
  'sms.recovery': 'Setze dein Passwort für {service} zurück: {url}',
  'sms.password_changed':
    'Das Passwort von {account} bei {service} wurde geändert. Falls du das nicht warst, setze es jetzt zurück.',
};
