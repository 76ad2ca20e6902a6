import { html } from '../html.js';
import type { MessageKey } from '../i18n.js';
import type { PageChrome } from '../layout.js';
import { type AccountFrame, accountLayout, csrfField, formatDate } from './account.js';

/** An address or number on the account. */
export interface ContactRow {
  value: string;
  primary: boolean;
  verified: boolean;
  /** Form actions, when allowed: make it the primary one, remove it. */
  primaryUrl?: string;
  removeUrl?: string;
  /** Why it cannot be removed, when it cannot. */
  keepReason?: string;
}

/** An address or number a code was sent to, waiting for it. */
export interface PendingRow {
  id: string;
  target: string;
  expiresAt: Date;
  verifyUrl: string;
  resendUrl: string;
  cancelUrl: string;
}

export interface ContactsView {
  rows: ContactRow[];
  pending: PendingRow[];
  /** The add form's action; absent when changes are not allowed here. */
  addUrl?: string;
  /** What was typed into the add form, shown again when it was refused. */
  typed?: string;
  /** The pending row whose code was refused. */
  invalidPendingId?: string;
  /** A sentence about what the list is for and its rules. */
  explanation: string;
}

/** The words that differ between the email and the phone views. */
interface ContactWords {
  title: MessageKey;
  none: MessageKey;
  add: MessageKey;
  field: MessageKey;
  fieldHint: MessageKey;
  submit: MessageKey;
  locked: MessageKey;
  codeSent: MessageKey;
}

const WORDS: Record<'emails' | 'phones', ContactWords> = {
  emails: {
    title: 'account.nav.emails',
    none: 'account.emails.none',
    add: 'account.emails.add',
    field: 'account.emails.field',
    fieldHint: 'account.emails.field_hint',
    submit: 'account.emails.submit',
    locked: 'account.emails.locked',
    codeSent: 'account.emails.code_sent_to',
  },
  phones: {
    title: 'account.nav.phones',
    none: 'account.phones.none',
    add: 'account.phones.add',
    field: 'account.phones.field',
    fieldHint: 'account.phones.field_hint',
    submit: 'account.phones.submit',
    locked: 'account.phones.locked',
    codeSent: 'account.phones.code_sent_to',
  },
};

/** The email addresses view and the phone numbers view: one list, codes waiting, and the add form. */
export function contactsPage(
  chrome: PageChrome,
  frame: AccountFrame,
  kind: 'emails' | 'phones',
  view: ContactsView,
): string {
  const { t } = chrome;
  const words = WORDS[kind];
  const input =
    kind === 'emails'
      ? html`<input type="email" name="email" value="${view.typed ?? ''}" required maxlength="254" autocomplete="email" autocapitalize="none" spellcheck="false" aria-describedby="add-hint"${frame.error && !view.invalidPendingId ? html` aria-invalid="true"` : ''}>`
      : html`<input type="text" name="phone" value="${view.typed ?? ''}" required maxlength="32" inputmode="tel" autocomplete="tel" aria-describedby="add-hint"${frame.error && !view.invalidPendingId ? html` aria-invalid="true"` : ''}>`;
  const rows = view.rows.map(
    (row) => html`<li>
<span class="value">${row.value}</span>
${row.primary ? html`<strong class="badge">${t('account.emails.primary')}</strong>` : ''}
${row.verified ? '' : html`<span class="badge muted">${t('account.emails.unverified')}</span>`}
${
  row.primaryUrl
    ? html`<form method="post" action="${row.primaryUrl}" class="inline">
${csrfField(frame.csrf)}
<button type="submit" class="secondary" aria-label="${t('account.emails.make_primary')}: ${row.value}">${t('account.emails.make_primary')}</button>
</form>`
    : ''
}
${
  row.removeUrl
    ? html`<form method="post" action="${row.removeUrl}" class="inline">
${csrfField(frame.csrf)}
<button type="submit" class="secondary" aria-label="${t('account.contacts.remove')}: ${row.value}">${t('account.contacts.remove')}</button>
</form>`
    : ''
}
${row.keepReason ? html`<span class="hint">${row.keepReason}</span>` : ''}
</li>`,
  );
  const pending = view.pending.map(
    (p) => html`<section class="pending" aria-labelledby="pending-${p.id}">
<h3 id="pending-${p.id}">${t(words.codeSent, { target: p.target })}</h3>
<form method="post" action="${p.verifyUrl}">
${csrfField(frame.csrf)}
<label>${t('account.contacts.code')}
<span class="hint" id="code-hint-${p.id}">${t('account.contacts.code_hint', { time: formatDate(t, p.expiresAt) })}</span>
<input type="text" name="code" required inputmode="numeric" pattern="[0-9 ]*" maxlength="8" autocomplete="one-time-code" aria-describedby="code-hint-${p.id}"${view.invalidPendingId === p.id ? html` aria-invalid="true" autofocus` : ''}></label>
<button type="submit">${t('account.contacts.verify')}</button>
</form>
<div class="actions">
<form method="post" action="${p.resendUrl}">
${csrfField(frame.csrf)}
<button type="submit" class="secondary">${t('account.contacts.resend')}</button>
</form>
<form method="post" action="${p.cancelUrl}">
${csrfField(frame.csrf)}
<button type="submit" class="secondary">${t('account.contacts.cancel')}</button>
</form>
</div>
</section>`,
  );
  return accountLayout(
    chrome,
    frame,
    t(words.title),
    html`<h2>${t(words.title)}</h2>
<p class="hint">${view.explanation}</p>
${view.rows.length === 0 ? html`<p>${t(words.none)}</p>` : html`<ul class="contacts">${rows}</ul>`}
${pending}
${
  view.addUrl
    ? html`<h3>${t(words.add)}</h3>
<form method="post" action="${view.addUrl}">
${csrfField(frame.csrf)}
<label>${t(words.field)}
<span class="hint" id="add-hint">${t(words.fieldHint)}</span>
${input}</label>
<button type="submit">${t(words.submit)}</button>
</form>`
    : html`<p class="hint">${t(words.locked)}</p>`
}`,
  );
}
