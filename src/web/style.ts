/**
 * The pages' stylesheet, served as /assets/mxauth.css (a strict Content-Security-Policy forbids inline
 * styles). System fonts, no external resources; colours meet WCAG AA contrast on both schemes.
 */
export const STYLESHEET = `
:root{color-scheme:light dark;--bg:#f4f6f8;--card:#fff;--fg:#17191c;--muted:#50565f;--accent:#0b5cad;--accent-fg:#fff;--border:#c9ced6;--error:#b3261e;--error-bg:#fdecea;--radius:12px}
@media (prefers-color-scheme:dark){:root{--bg:#101216;--card:#1b1e24;--fg:#eef0f3;--muted:#b4bac4;--accent:#6aa8ee;--accent-fg:#0b1320;--border:#3a3f48;--error:#ffb4ab;--error-bg:#3b1714}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg);min-height:100vh;display:flex;flex-direction:column}
a{color:var(--accent)}
header.site,footer.site{padding:1rem 1.5rem;color:var(--muted);font-size:.9rem}
header.site{font-weight:600;color:var(--fg)}
main{flex:1;display:flex;justify-content:center;align-items:flex-start;padding:1rem}
.card{background:var(--card);border:1px solid var(--border);border-radius:var(--radius);padding:2rem;width:100%;max-width:28rem}
.card.wide{max-width:48rem}
h1{font-size:1.5rem;margin:0 0 1rem}
p.lead{color:var(--muted);margin-top:0}
form,.stack{display:grid;gap:1rem}
label{display:grid;gap:.35rem;font-weight:600}
input[type=text],input[type=password],input[type=email]{font:inherit;padding:.65rem .75rem;border:1px solid var(--border);border-radius:8px;background:var(--card);color:var(--fg);width:100%}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.hint{font-weight:400;color:var(--muted);font-size:.9rem}
button{font:inherit;font-weight:600;padding:.7rem 1rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer}
button.secondary{background:transparent;color:var(--accent)}
.actions{display:flex;gap:.75rem;flex-wrap:wrap}
.actions>*{flex:1}
.error{background:var(--error-bg);color:var(--error);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}
.client{display:flex;gap:1rem;align-items:center;margin-bottom:1rem}
.client img{width:48px;height:48px;border-radius:8px;object-fit:contain}
ul.grants{padding-left:1.2rem}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid var(--border);vertical-align:top}
.muted{color:var(--muted)}
code{font-size:.95em}
tr.focus{background:var(--bg)}
form.inline{display:flex;gap:.5rem;margin-top:.5rem;flex-wrap:wrap}
form.inline input{flex:1;min-width:8rem;padding:.45rem .6rem}
form.inline button{padding:.45rem .8rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
`;
