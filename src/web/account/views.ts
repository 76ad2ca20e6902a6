import type { Config } from '../../config/config.js';

/** The account pages' views, in the order the navigation lists them. */
export const ACCOUNT_VIEWS = ['profile', 'emails', 'phones', 'password', 'devices', 'deactivate'] as const;
export type AccountViewName = (typeof ACCOUNT_VIEWS)[number];

/** Each view's own URL (below the public root). */
export const VIEW_ROUTES: Record<AccountViewName, string> = {
  profile: '/account/profile',
  emails: '/account/emails',
  phones: '/account/phones',
  password: '/account/password',
  devices: '/account/devices',
  deactivate: '/account/deactivate',
};

/**
 * What the account_management_uri opens without an action: the devices, which is what Matrix clients
 * send people there for most (and what its links named before the other views existed).
 */
export const DEFAULT_VIEW: AccountViewName = 'devices';

/** The views this server offers; a view that is off is neither listed nor served. */
export function enabledViews(config: Config): AccountViewName[] {
  return ACCOUNT_VIEWS.filter((view) => {
    switch (view) {
      case 'phones':
        return config.sms.sender !== 'none';
      case 'password':
        return config.passwords.enabled && config.account.password_change_allowed;
      case 'deactivate':
        return config.account.account_deactivation_allowed;
      default:
        return true;
    }
  });
}

/** Where an MSC4191 deep link leads. */
export type ActionTarget =
  | { kind: 'view'; view: AccountViewName }
  /** The devices, one of them singled out; `confirmEnd` asks whether to sign it out. */
  | { kind: 'device'; deviceId: string; confirmEnd: boolean }
  | { kind: 'cross_signing_reset' };

/**
 * Reads `?action=…&device_id=…` (MSC4191, with the older `session_*` names). An unknown action, or a
 * view this server does not offer, opens the default view; a device action without a device id opens
 * the list.
 */
export function resolveAction(
  query: Record<string, string | string[] | undefined>,
  views: readonly AccountViewName[],
): ActionTarget {
  const action = typeof query.action === 'string' ? query.action : '';
  const deviceId =
    typeof query.device_id === 'string' && query.device_id !== '' ? query.device_id : undefined;
  const view = (name: AccountViewName): ActionTarget => ({
    kind: 'view',
    view: views.includes(name) ? name : DEFAULT_VIEW,
  });
  switch (action) {
    case 'org.matrix.profile':
      return view('profile');
    case 'org.matrix.devices_list':
    case 'org.matrix.sessions_list':
      return view('devices');
    case 'org.matrix.device_view':
    case 'org.matrix.session_view':
      return deviceId ? { kind: 'device', deviceId, confirmEnd: false } : view('devices');
    case 'org.matrix.device_delete':
    case 'org.matrix.session_end':
      return deviceId ? { kind: 'device', deviceId, confirmEnd: true } : view('devices');
    case 'org.matrix.account_deactivate':
      return view('deactivate');
    case 'org.matrix.cross_signing_reset':
      return { kind: 'cross_signing_reset' };
    default:
      return view(DEFAULT_VIEW);
  }
}
