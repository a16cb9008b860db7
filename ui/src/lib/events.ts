// Mirrors src-tauri/src/events.rs: every event the backend emits.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

export const EVENTS = {
  linkNotice: 'connect://notice',
  vaultChanged: 'vault://changed',
  accountsChanged: 'accounts://changed',
  accountUpdated: 'accounts://updated',
  connectivity: 'app://connectivity',
} as const;

export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/** Listen to several events; resolves to one function that stops them all. */
export async function listenAll(handlers: Partial<Record<EventName, () => void>>): Promise<UnlistenFn> {
  const stops = await Promise.all(
    Object.entries(handlers).map(([name, handler]) => listen(name, () => handler?.())),
  );
  return () => stops.forEach((stop) => stop());
}
