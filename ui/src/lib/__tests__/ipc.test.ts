import { mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it } from 'vitest';
import { z } from 'zod/mini';

import { call, IpcError } from '../ipc';

describe('call', () => {
  it('parses the answer with the schema', async () => {
    mockIPC(() => ({ n: 1 }));
    await expect(call('x', {}, z.object({ n: z.number() }))).resolves.toEqual({ n: 1 });
  });

  it('turns a malformed answer into an unknown error', async () => {
    mockIPC(() => ({ n: 'one' }));
    await expect(call('x', {}, z.object({ n: z.number() }))).rejects.toMatchObject({ code: 'internal' });
  });

  it('keeps code and message of a backend error', async () => {
    mockIPC(() => Promise.reject({ code: 'wrong_passphrase', message: "That passphrase doesn't open this vault" }));
    const error = await call('x', {}, z.null()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcError);
    expect(error).toMatchObject({ code: 'wrong_passphrase', message: "That passphrase doesn't open this vault" });
  });

  it('turns an unparseable rejection into unknown', async () => {
    mockIPC(() => Promise.reject('boom'));
    await expect(call('x', {}, z.null())).rejects.toMatchObject({ code: 'internal' });
  });
});
