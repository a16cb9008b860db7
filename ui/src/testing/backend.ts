// A fake backend for UI tests: command handlers over `mockIPC`, with events mocked too so
// tests can emit what the Rust side would.
import { mockIPC } from '@tauri-apps/api/mocks';

export type Handler = (args: Record<string, unknown>) => unknown;
export type Handlers = Record<string, Handler>;

export const defaultAppInfo = { version: '0.1.0', dataDir: '/tmp/evergreen', vault: 'unlocked', demo: false, online: true, demoInstagramUrl: null };

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
    ...handlers,
  };
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC(
    (cmd, args) => {
      const payload = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: payload });
      const handler = all[cmd];
      if (!handler) return Promise.reject({ code: 'unknown', message: `no mock for ${cmd}` });
      return handler(payload);
    },
    { shouldMockEvents: true },
  );
  return { calls };
}
