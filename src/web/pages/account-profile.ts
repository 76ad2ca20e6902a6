import { MAX_DISPLAY_NAME_LENGTH } from '../../domain/display-name.js';
import { html } from '../html.js';
import type { PageChrome } from '../layout.js';
import { type AccountFrame, accountLayout, csrfField } from './account.js';

export interface ProfileView {
  userId: string;
  displayName: string | null;
  /** The form's action; absent when display names cannot be changed here. */
  action?: string;
  /** What was typed, shown again when it was refused. */
  typed?: string;
}

export function profilePage(chrome: PageChrome, frame: AccountFrame, view: ProfileView): string {
  const { t } = chrome;
  return accountLayout(
    chrome,
    frame,
    t('account.nav.profile'),
    html`<h2>${t('account.nav.profile')}</h2>
<dl class="facts">
<dt>${t('account.profile.user_id')}</dt><dd><code>${view.userId}</code></dd>
${view.action ? '' : html`<dt>${t('account.profile.display_name')}</dt><dd>${view.displayName ?? t('account.profile.no_display_name')}</dd>`}
</dl>
${
  view.action
    ? html`<form method="post" action="${view.action}">
${csrfField(frame.csrf)}
<label>${t('account.profile.display_name')}
<span class="hint" id="displayname-hint">${t('account.profile.display_name_hint', { max: String(MAX_DISPLAY_NAME_LENGTH) })}</span>
<input type="text" name="displayname" value="${view.typed ?? view.displayName ?? ''}" maxlength="${MAX_DISPLAY_NAME_LENGTH}" required autocomplete="nickname" aria-describedby="displayname-hint"${frame.error ? html` aria-invalid="true"` : ''}></label>
<button type="submit">${t('account.profile.save')}</button>
</form>`
    : html`<p class="hint">${t('account.profile.display_name_locked')}</p>`
}`,
  );
}
