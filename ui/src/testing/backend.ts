// A fake backend for UI tests: command handlers over `mockIPC`, with events mocked too so
// tests can emit what the Rust side would.
import { mockIPC } from '@tauri-apps/api/mocks';

import { appInfo, serviceInfo } from './fixtures';

export type Handler = (args: Record<string, unknown>) => unknown;
export type Handlers = Record<string, Handler>;

export const defaultAppInfo = appInfo();

/** Install command handlers. Unknown commands reject like the backend's `unknown` error. */
export function mockBackend(handlers: Handlers = {}) {
  const all: Handlers = {
    app_info: () => defaultAppInfo,
    link_notices: () => [],
    dismiss_link_notice: () => null,
    list_accounts: () => [],
    active_account: () => null,
    cancel_connect: () => true,
    page_painted: () => null,
    auto_unlock: () => ({ enabled: false, fallback: null }),
    // Any address answers as an Evergreen sign-in service at that host.
    check_sign_in_service: ({ url }) => serviceInfo({ url: String(url), host: new URL(String(url)).host }),
    ...handlers,
  };
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC(
    (cmd, args) => {
      const payload = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: payload });
      const handler = all[cmd];
      if (!handler) return Promise.reject({ code: 'internal', message: `no mock for ${cmd}` });
      return handler(payload);
    },
    { shouldMockEvents: true },
  );
  return { calls };
}
