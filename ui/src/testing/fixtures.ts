// Accounts in every state, the app info and sign-in services, for UI tests: times relative to
// now so relative dates read well.
import type { ServiceInfo } from '@/features/setup/api/check-sign-in-service';
import type { Account } from '@/lib/accounts';
import type { AppInfo, SignIn } from '@/lib/app-info';

const DAY = 86_400_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

export function account(overrides: Partial<Account> = {}): Account {
  return {
    id: 'a1',
    network: 'instagram',
    networkUserId: '17841400001',
    username: 'evergreen.shop',
    accountType: 'BUSINESS',
    profilePictureUrl: null,
    status: 'connected',
    statusReason: null,
    statusWords: null,
    tokenExpiresAt: at(52 * DAY),
    tokenRefreshedAt: at(-8 * DAY),
    lastValidatedAt: at(-2 * 3_600_000),
    nextRefreshAt: at(-6 * DAY + 2 * DAY),
    label: null,
    ...overrides,
  };
}

/** The sign-in service the app info reports, as set by `source`. */
export function signIn(source: SignIn['source'] = 'build_default', overrides: Partial<SignIn> = {}): SignIn {
  const path = { user_file: '/home/sam/.config/evergreen/config.toml', system_file: '/etc/evergreen/config.toml' };
  return {
    url: 'https://sign-in.evergreen.example/',
    host: 'sign-in.evergreen.example',
    source,
    path: source === 'user_file' || source === 'system_file' ? path[source] : null,
    ...overrides,
  };
}

/** The real profile, unlocked, chosen already, with the built-in sign-in service. */
export function appInfo(overrides: Partial<AppInfo> = {}): AppInfo {
  const mode = overrides.mode ?? (overrides.demo ? 'demo' : 'real');
  return {
    version: '0.1.0',
    dataDir: '/tmp/evergreen',
    vault: 'unlocked',
    mode,
    demo: mode === 'demo',
    firstRun: false,
    signIn: signIn(),
    configProblems: [],
    online: true,
    demoInstagramUrl: mode === 'demo' ? 'http://127.0.0.1:9/' : null,
    ...overrides,
  };
}

/** What a sign-in service says about itself when checked. */
export function serviceInfo(overrides: Partial<ServiceInfo> = {}): ServiceInfo {
  return {
    url: 'https://sign-in.evergreen.example/',
    host: 'sign-in.evergreen.example',
    name: 'Evergreen Sign-in',
    version: '1.4.0',
    instagramAppId: '990011223344',
    permissions: ['instagram_business_basic'],
    networks: ['instagram'],
    threadsAppId: null,
    ...overrides,
  };
}
