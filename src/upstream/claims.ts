import type { ClaimRequirement, ImportRule, UpstreamProvider } from '../config/upstream.js';
import { type ClaimTemplate, compileTemplate } from '../domain/claim-template.js';

/** What the callback brought, kept on the authorization (as JSON) until the account is known. */
export interface ReceivedClaims {
  id_token_claims?: Record<string, unknown>;
  userinfo_claims?: Record<string, unknown>;
  extra_callback_parameters?: Record<string, string>;
}

/**
 * The template context, MAS's: the ID token's claims, the userinfo answer, the callback's extra
 * parameters, and `user`, userinfo with the ID token's claims over it (the ID token wins, it is signed).
 */
export function templateContext(received: ReceivedClaims): Record<string, unknown> {
  const context: Record<string, unknown> = {
    id_token_claims: received.id_token_claims ?? {},
    userinfo_claims: received.userinfo_claims ?? {},
    extra_callback_parameters: received.extra_callback_parameters ?? {},
  };
  if (received.id_token_claims || received.userinfo_claims)
    context.user = { ...received.userinfo_claims, ...received.id_token_claims };
  else context.user = {};
  return context;
}

const compiled = new Map<string, ClaimTemplate>();

/** A template rendered and trimmed; the configuration check compiled each one already. */
export function renderTemplate(
  source: string,
  context: Record<string, unknown>,
): { ok: true; value: string } | { ok: false; error: string } {
  let template = compiled.get(source);
  if (!template) {
    const made = compileTemplate(source);
    if (!made.ok) return made;
    template = made.value;
    if (compiled.size < 1000) compiled.set(source, template);
  }
  const out = template.render(context);
  return out.ok ? { ok: true, value: out.value.trim() } : out;
}

/** One imported attribute: its value (none when empty or ignored), and whether the person may change it. */
export type Imported =
  | { kind: 'none' }
  | { kind: 'value'; value: string; action: 'suggest' | 'force' | 'require' }
  /** `require`d and empty, or its template failed: the sign-in cannot go on. */
  | { kind: 'missing'; detail: string };

export function importAttribute(rule: ImportRule, context: Record<string, unknown>): Imported {
  if (rule.action === 'ignore') return { kind: 'none' };
  const rendered = renderTemplate(rule.template, context);
  if (!rendered.ok)
    return rule.action === 'require' ? { kind: 'missing', detail: rendered.error } : { kind: 'none' };
  // A claim that is absent renders as "undefined" in some engines and as nothing in others.
  const value = rendered.value === 'undefined' || rendered.value === 'null' ? '' : rendered.value;
  if (value === '')
    return rule.action === 'require'
      ? { kind: 'missing', detail: `${rule.template} is empty` }
      : { kind: 'none' };
  return { kind: 'value', value, action: rule.action };
}

/** What the provider's claims give a sign-in through it. */
export interface ClaimOutcome {
  localpart: Imported;
  displayName: Imported;
  email: Imported;
  accountName: string | null;
  /** The first requirement not met, described (`groups = staff`). */
  unmet: string | undefined;
  /** Whether the claims grant the right to request admin; undefined when the provider does not decide it. */
  admin: boolean | undefined;
}

export function evaluateClaims(provider: UpstreamProvider, received: ReceivedClaims): ClaimOutcome {
  const context = templateContext(received);
  const user = context.user as Record<string, unknown>;
  const { claims } = provider;
  let accountName: string | null = null;
  if (claims.accountName) {
    const rendered = renderTemplate(claims.accountName, context);
    accountName = rendered.ok && rendered.value !== '' ? rendered.value.slice(0, 255) : null;
  }
  return {
    localpart: importAttribute(claims.localpart, context),
    displayName: importAttribute(claims.displayname, context),
    email: importAttribute(claims.email, context),
    accountName,
    unmet: describeRequirement(provider.requirements.find((r) => !requirementMet(r, user))),
    admin: provider.adminRequirements
      ? provider.adminRequirements.every((r) => requirementMet(r, user))
      : undefined,
  };
}

/**
 * A requirement on a claim of `user`, as Synapse's `attribute_requirements`: a list claim (groups)
 * meets it when any of its elements does; numbers and booleans compare as their text.
 */
export function requirementMet(requirement: ClaimRequirement, user: Record<string, unknown>): boolean {
  let value: unknown = user;
  for (const key of requirement.path) {
    if (!value || typeof value !== 'object' || !Object.hasOwn(value, key)) return false;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null) return false;
  const candidates = (Array.isArray(value) ? value : [value]).filter(
    (v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
  );
  const { test } = requirement;
  if (test.kind === 'present') return Array.isArray(value) ? candidates.length > 0 : true;
  const texts = candidates.map(String);
  if (test.kind === 'one_of') return texts.some((t) => test.values.includes(t));
  return texts.some((t) => test.pattern.test(t));
}

/** A requirement as the refusal page names it: the claim, and what it must be. */
export function describeRequirement(requirement: ClaimRequirement | undefined): string | undefined {
  if (!requirement) return undefined;
  const claim = requirement.path.join('.');
  const { test } = requirement;
  if (test.kind === 'present') return claim;
  if (test.kind === 'one_of')
    return test.values.length === 1
      ? `${claim} = ${test.values[0]}`
      : `${claim} ∈ {${test.values.join(', ')}}`;
  return `${claim} ~ ${test.pattern.source.slice(4, -2)}`;
}
