/**
 * The colours of the pages, per colour scheme. Every text colour here meets WCAG AA (4.5:1) on every
 * background it is drawn on; test/look/contrast.test.ts checks each pair, and branding.ts derives
 * replacements for an admin's colours under the same rule.
 */
export const PALETTE = {
  light: {
    bg: '#f2f4f7',
    'on-bg': '#16181d',
    'on-bg-muted': '#4a515c',
    card: '#ffffff',
    fg: '#16181d',
    muted: '#4a515c',
    border: '#c9ced6',
    'input-border': '#6b7380',
    accent: '#0b5cad',
    'accent-hover': '#084a8c',
    'accent-fg': '#ffffff',
    highlight: '#eaf1fa',
    error: '#a3161a',
    'error-bg': '#fdeded',
    success: '#1b6631',
    'success-bg': '#e7f4eb',
    warning: '#7a3e00',
    'warning-bg': '#fff3e0',
    shadow: 'rgb(16 24 40 / 8%)',
  },
  dark: {
    bg: '#0f1115',
    'on-bg': '#eceff3',
    'on-bg-muted': '#b3bac5',
    card: '#1a1d23',
    fg: '#eceff3',
    muted: '#b3bac5',
    border: '#363b45',
    'input-border': '#8a93a0',
    accent: '#7cb4f5',
    'accent-hover': '#a6cbf8',
    'accent-fg': '#0b1320',
    highlight: '#1f2a3a',
    error: '#ffb4ab',
    'error-bg': '#3a1613',
    success: '#9ddcae',
    'success-bg': '#11301b',
    warning: '#ffcc8a',
    'warning-bg': '#35230a',
    shadow: 'rgb(0 0 0 / 40%)',
  },
} as const;

export type PaletteKey = keyof (typeof PALETTE)['light'];

/** Which palette colours are drawn as text on which backgrounds: the pairs that must reach 4.5:1. */
export const TEXT_PAIRS: readonly (readonly [text: PaletteKey, background: PaletteKey])[] = [
  ['on-bg', 'bg'],
  ['on-bg-muted', 'bg'],
  ['fg', 'card'],
  ['muted', 'card'],
  ['accent', 'card'],
  ['accent-hover', 'card'],
  ['accent-fg', 'accent'],
  ['accent-fg', 'accent-hover'],
  ['fg', 'highlight'],
  ['muted', 'highlight'],
  ['accent', 'highlight'],
  ['error', 'error-bg'],
  ['success', 'success-bg'],
  ['warning', 'warning-bg'],
  ['fg', 'warning-bg'],
  // Inline reasons and live answers on the card: a field's error, "available", "taken".
  ['error', 'card'],
  ['success', 'card'],
];

/**
 * Colours that are not text but must stay visible: WCAG's 3:1. Field borders and the focus ring on the
 * card; the password meter's fill (weak, fair, strong) against its track.
 */
export const UI_PAIRS: readonly (readonly [PaletteKey, PaletteKey])[] = [
  ['input-border', 'card'],
  ['accent', 'card'],
  ['error', 'highlight'],
  ['warning', 'highlight'],
  ['success', 'highlight'],
];

export function variables(scheme: Partial<Record<PaletteKey, string>>): string {
  return Object.entries(scheme)
    .map(([name, value]) => `--${name}:${value}`)
    .join(';');
}

/**
 * The pages' stylesheet, served as /assets/mxauth.css (a strict Content-Security-Policy forbids inline
 * styles). System fonts, no external resources; 44 px touch targets; one column that fits a 390 px phone,
 * and on wide screens the account views beside their navigation. theme.css (branding) and custom.css
 * (the override directory) come after it and may override anything.
 */
export const STYLESHEET = `
:root{color-scheme:light dark;${variables(PALETTE.light)};--radius:14px;--field-radius:10px}
@media (prefers-color-scheme:dark){:root{${variables(PALETTE.dark)}}}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif;background:var(--bg);color:var(--fg);min-height:100vh;display:flex;flex-direction:column}
a{color:var(--accent);text-underline-offset:.18em}
a:hover{color:var(--accent-hover)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;inset-inline-start:.75rem;top:-4rem;z-index:10;display:inline-flex;align-items:center;min-height:44px;padding:.4rem 1rem;border-radius:var(--field-radius);background:var(--card);color:var(--accent);font-weight:600}
.skip:focus{top:.75rem}
.skip:focus-visible,header.site :focus-visible,footer.site :focus-visible{outline-color:var(--on-bg)}
header.site,footer.site{width:100%;max-width:72rem;margin:0 auto;padding:1rem 1.25rem;color:var(--on-bg)}
header.site{display:flex;align-items:center;justify-content:space-between;gap:1rem;flex-wrap:wrap}
.brand{display:flex;align-items:center;gap:.65rem;font-weight:650;font-size:1.1rem;color:var(--on-bg);min-width:0}
.brand img{height:2.25rem;width:auto;max-width:10rem;object-fit:contain}
.brand span{overflow-wrap:anywhere}
nav.languages ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:0}
nav.languages a{display:inline-flex;align-items:center;min-height:44px;padding:0 .7rem;border-radius:999px;color:var(--on-bg);text-decoration:none;font-size:.95rem}
nav.languages a:hover{text-decoration:underline;color:var(--on-bg)}
nav.languages a[aria-current]{font-weight:700;text-decoration:underline;text-decoration-thickness:2px}
main{flex:1;display:flex;justify-content:center;align-items:flex-start;padding:.5rem 1rem 2rem}
.card{background:var(--card);color:var(--fg);border:1px solid var(--border);border-radius:var(--radius);box-shadow:0 1px 2px var(--shadow),0 8px 24px var(--shadow);padding:2rem;width:100%;max-width:28rem}
.card.wide{max-width:68rem}
.card>:last-child,.card>:has(+script:last-child){margin-bottom:0}
footer.site{font-size:.9rem;display:grid;gap:.15rem;justify-items:center;text-align:center;color:var(--on-bg-muted)}
footer.site ul{display:flex;flex-wrap:wrap;justify-content:center;gap:.25rem 1.25rem;list-style:none;margin:0;padding:0}
footer.site a{color:var(--on-bg);display:inline-flex;align-items:center;min-height:44px}
footer.site a:hover{color:var(--on-bg)}
footer.site p{margin:0}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:2rem 0 .75rem}
h3{font-size:1rem;margin:1.5rem 0 .5rem}
p{margin:0 0 1rem}
.lead{color:var(--muted);margin-top:0;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.hint{display:block;font-weight:400;color:var(--muted);font-size:.9rem}
code{font:.95em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
form,.stack{display:grid;gap:1.1rem}
form+p,.stack+p{margin-top:1.25rem}
form>p{margin:0}
form+form.inline{margin-top:.75rem}
label{display:grid;gap:.35rem;font-weight:600}
.field{display:grid;gap:.35rem}
fieldset{border:1px solid var(--border);border-radius:var(--field-radius);padding:1rem;margin:0;display:grid;gap:.75rem}
legend{font-weight:600;padding:0 .35rem}
input,select,textarea{font:inherit;font-size:1rem;color:var(--fg);background:var(--card);border:1px solid var(--input-border);border-radius:var(--field-radius);padding:.6rem .8rem;width:100%;min-height:44px}
textarea{min-height:6rem}
input::placeholder{color:var(--muted);opacity:1}
input:focus-visible,select:focus-visible,textarea:focus-visible{border-color:var(--accent);outline:3px solid var(--accent);outline-offset:1px}
input[aria-invalid=true]{border-color:var(--error);border-width:2px}
input[type=checkbox],input[type=radio]{width:1.35rem;height:1.35rem;min-height:0;margin:0;accent-color:var(--accent);flex:none}
input[autocomplete=one-time-code],input.code{font:1.5rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.35em;text-align:center}
.field-error{display:block;color:var(--error);font-weight:600;font-size:.9rem}
[aria-live]:empty{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.status{font-size:.9rem;font-weight:600;color:var(--muted)}
.status[data-state=ok]{color:var(--success)}
.status[data-state=taken]{color:var(--error)}
.status[data-state=ok]::before{content:"\\2713\\00a0" / ""}
.status[data-state=taken]::before{content:"\\2715\\00a0" / ""}
.check{display:grid;grid-template-columns:1.5rem minmax(0,1fr);column-gap:.7rem;align-items:start;font-weight:400}
.check>input[type=checkbox]{width:1.5rem;height:1.5rem;min-height:0;margin:.625rem 0 0;accent-color:var(--accent)}
.check>label,label.check>span{display:block;font-weight:400;padding-block:.6rem;min-height:44px}
.check>:is(.hint,.field-error){grid-column:2;margin-top:-.4rem}
label.check{gap:0 .7rem}
label.check+.hint{margin-top:-1.45rem;padding-inline-start:2.2rem}
.check>input[aria-invalid=true]{outline:2px solid var(--error);outline-offset:2px}
.captcha{display:grid;gap:.35rem;min-height:78px}
.strength{display:grid;gap:.3rem;margin-top:.15rem}
meter{display:block;width:100%;height:.75rem;margin:0;border:1px solid var(--input-border);border-radius:999px;background:var(--highlight);overflow:hidden}
meter::-webkit-meter-bar{background:var(--highlight);border:0;border-radius:0;height:calc(.75rem - 2px)}
meter::-webkit-meter-optimum-value{background:var(--success)}
meter::-webkit-meter-suboptimum-value{background:var(--warning)}
meter::-webkit-meter-even-less-good-value{background:var(--error)}
meter:-moz-meter-optimum::-moz-meter-bar{background:var(--success)}
meter:-moz-meter-sub-optimum::-moz-meter-bar{background:var(--warning)}
meter:-moz-meter-sub-sub-optimum::-moz-meter-bar{background:var(--error)}
button,.button{display:inline-flex;align-items:center;justify-content:center;gap:.5rem;font:inherit;font-weight:600;min-height:44px;padding:.6rem 1.1rem;border-radius:var(--field-radius);border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none;text-align:center}
button:hover,.button:hover{background:var(--accent-hover);border-color:var(--accent-hover);color:var(--accent-fg)}
button.secondary,.button.secondary{background:transparent;color:var(--accent)}
button.secondary:hover,.button.secondary:hover{background:var(--highlight);color:var(--accent-hover)}
button.danger,.button.danger{background:transparent;border-color:var(--error);color:var(--error)}
button.danger:hover,.button.danger:hover{background:var(--error-bg);color:var(--error)}
button.link{background:none;border:0;color:var(--accent);padding:0;min-height:0;font-weight:400;text-decoration:underline}
button:disabled{opacity:.6;cursor:not-allowed}
.actions{display:flex;gap:.75rem;flex-wrap:wrap}
.actions>*{flex:1 1 auto}
.actions>form>button{width:100%}
form+.actions{margin-top:.75rem}
.error,.notice,p[role=status],.warning{border-radius:var(--field-radius);padding:.75rem 1rem;margin:0 0 1rem;border-inline-start:4px solid}
.error{background:var(--error-bg);color:var(--error)}
.notice,p[role=status]{background:var(--success-bg);color:var(--success)}
.warning{background:var(--warning-bg);color:var(--fg);border-color:var(--warning)}
.warning strong{color:var(--warning)}
:is(.error,.notice,.warning)>:last-child{margin-bottom:0}
:is(.error,.warning) p{margin-bottom:.5rem}
.error ul{margin:0;padding-inline-start:1.25rem}
.error a,.notice a,.warning a{color:inherit}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-size:.8rem;font-weight:600;line-height:1.5;background:var(--highlight);color:var(--fg);border:1px solid var(--border);white-space:nowrap;vertical-align:middle}
.badge.muted{color:var(--muted)}
section.pending,section.confirm{border:1px solid var(--border);border-radius:var(--field-radius);padding:1rem 1.25rem;margin:0 0 1.25rem;background:var(--highlight)}
section.pending h3,section.confirm h3{margin-top:0;overflow-wrap:anywhere}
ul.contacts{list-style:none;margin:0 0 1.25rem;padding:0;display:grid;gap:.75rem}
ul.contacts>li{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem .75rem;border:1px solid var(--border);border-radius:var(--field-radius);padding:.75rem 1rem}
ul.contacts .value{font-weight:600;overflow-wrap:anywhere;flex:1 1 12rem}
ul.contacts form.inline{margin:0}
ul.contacts .hint{flex-basis:100%}
.client{display:flex;gap:1rem;align-items:center;margin-bottom:1.25rem}
.client-logo{position:relative;width:52px;height:52px;flex:none;border-radius:12px;overflow:hidden}
.client-logo>*{position:absolute;inset:0;width:100%;height:100%}
.client-initial,.client-logo img::before{display:grid;place-items:center;background:var(--accent);color:var(--accent-fg);font-size:1.5rem;font-weight:700;line-height:1}
.client-logo img{object-fit:contain;background:var(--card);color:transparent}
.client-logo img::before{content:attr(data-initial);position:absolute;inset:0}
.client h1{margin:0}
.client p{margin:0}
ul.grants{list-style:none;padding:0;margin:0 0 1.5rem;display:grid;gap:.5rem}
ul.grants li{position:relative;padding-inline-start:1.6rem}
ul.grants li::before{content:"";position:absolute;inset-inline-start:.3rem;top:.5em;width:.55rem;height:.55rem;border-radius:50%;background:var(--accent)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0 0 1.25rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
details{border:1px solid var(--border);border-radius:var(--field-radius);padding:.5rem 1rem}
summary{cursor:pointer;min-height:44px;display:flex;align-items:center;font-weight:600}
details.rename{border:0;padding:0;margin-top:.5rem}
details.rename>summary{display:inline-flex;list-style:none;padding:.3rem .9rem;border:1px solid var(--accent);border-radius:var(--field-radius);color:var(--accent)}
details.rename>summary::-webkit-details-marker{display:none}
details.rename>form{gap:.5rem;margin-top:.5rem}
.account-header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:flex-start;gap:.5rem 1rem}
main nav{margin:0 0 1.5rem}
main nav ul{list-style:none;margin:0;padding:0}
main nav,main nav ul{display:flex;flex-wrap:wrap;gap:.5rem}
main nav a{display:inline-flex;align-items:center;min-height:44px;padding:.3rem .9rem;border:1px solid var(--border);border-radius:999px;color:var(--fg);text-decoration:none;font-size:.95rem}
main nav a:hover{background:var(--highlight);color:var(--fg)}
main nav a[aria-current=page]{background:var(--accent);border-color:var(--accent);color:var(--accent-fg);font-weight:600}
.account-view>:first-child{margin-top:0}
.account-view>:last-child{margin-bottom:0}
.account-view h2{margin-top:0}
.account-view h3{margin-top:1.75rem}
table{width:100%;border-collapse:collapse;margin:0 0 1rem}
th,td{text-align:start;padding:.6rem .5rem;border-bottom:1px solid var(--border);vertical-align:top}
th{font-size:.85rem;color:var(--muted);font-weight:600;white-space:nowrap}
td{font-size:.95rem}
tr.focus,tr[aria-current],tr.current{background:var(--highlight)}
td button,td .button{white-space:nowrap}
td code{white-space:nowrap}
form.inline{display:flex;gap:.5rem;margin-top:.5rem;flex-wrap:wrap;align-items:center}
form.inline input{flex:1;min-width:8rem}
@media (min-width:40.01rem){
.card.wide :is(.account-view,section)>form:not(.inline){justify-items:start}
.card.wide :is(.account-view,section)>form:not(.inline)>:not(button){width:100%;max-width:32rem}
.card.wide :is(.account-view,section)>form:not(.inline)>button{min-width:10rem}
.card.wide .actions>*{flex:0 1 auto}
.card.wide input[autocomplete=one-time-code]{max-width:14rem}
}
@media (min-width:60rem){
.account-body{display:grid;grid-template-columns:13rem minmax(0,1fr);gap:2rem;align-items:start;margin-top:1.25rem}
nav.account-nav,nav.account-nav ul{display:grid;gap:.25rem;margin:0}
nav.account-nav a{display:flex;border-color:transparent;border-radius:var(--field-radius);padding:.4rem .9rem;font-size:1rem}
nav.account-nav a[aria-current=page]{background:var(--highlight);border-color:var(--highlight);border-inline-start:4px solid var(--accent);color:var(--fg);font-weight:700;padding-inline-start:calc(.9rem - 3px)}
td form.inline input{min-width:0;flex-basis:9rem}
}
@media (max-width:40rem){
.card{padding:1.25rem;border-radius:12px}
main{padding:.25rem .75rem 1.5rem}
header.site,footer.site{padding:.75rem 1rem}
h1{font-size:1.4rem}
nav.account-nav ul{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));width:100%}
nav.account-nav a{display:flex;justify-content:center;width:100%;height:100%;text-align:center;border-radius:var(--field-radius);padding:.3rem .4rem;font-size:.9rem;line-height:1.3}
ul.contacts>li{padding:.75rem}
table,thead,tbody,tr,th,td{display:block}
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
tr{border:1px solid var(--border);border-radius:var(--field-radius);padding:.5rem .75rem;margin-bottom:.75rem}
td{border:0;padding:.3rem 0}
td[data-label]::before{content:attr(data-label);display:block;font-size:.8rem;font-weight:600;color:var(--muted)}
td code{white-space:normal;overflow-wrap:anywhere}
td form:not(.inline)>button{width:100%}
.actions>*{flex-basis:100%}
}
@media (prefers-reduced-motion:no-preference){a,button,.button{transition:background-color .15s,color .15s,border-color .15s}}
@media print{header.site nav,footer.site{display:none}.card{box-shadow:none;border:0}}
`;
