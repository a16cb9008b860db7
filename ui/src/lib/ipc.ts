// The only module that calls `invoke`. Every answer is parsed with a zod schema, never cast;
// every rejection becomes an `IpcError { code, message }`.
import { invoke } from '@tauri-apps/api/core';
import { z } from 'zod/mini';

export const ipcErrorSchema = z.object({ code: z.string().check(z.minLength(1)), message: z.string().check(z.minLength(1)) });

/** An error from the backend. Components branch on `code` and show `message`. */
export class IpcError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
  }

  static from(error: unknown): IpcError {
    if (error instanceof IpcError) return error;
    const parsed = ipcErrorSchema.safeParse(error);
    if (parsed.success) return new IpcError(parsed.data.code, parsed.data.message);
    return new IpcError('internal', 'Something went wrong inside Evergreen. Try again; if it keeps happening, restart Evergreen.');
  }
}

/** Call a backend command and parse its answer. */
export async function call<T>(command: string, args: Record<string, unknown>, schema: z.ZodMiniType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = await invoke(command, args);
  } catch (error) {
    throw IpcError.from(error);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    console.error(`unexpected answer from ${command}`, parsed.error.issues);
    throw new IpcError('internal', 'Evergreen received an answer it did not understand. Restart Evergreen and try again.');
  }
  return parsed.data;
}
