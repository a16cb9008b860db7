import { z } from 'zod/mini';

/** The backend's floor (evergreen_core::vault::MIN_PASSPHRASE_CHARS). */
export const MIN_PASSPHRASE_CHARS = 12;

export const newPassphraseSchema = z
  .object({
    passphrase: z
      .string()
      .check(z.refine((p) => [...p].length >= MIN_PASSPHRASE_CHARS, `Use at least ${MIN_PASSPHRASE_CHARS} characters.`)),
    confirmation: z.string(),
  })
  .check(
    z.refine((v) => v.passphrase === v.confirmation, {
      path: ['confirmation'],
      message: "The two passphrases don't match.",
    }),
  );
export type NewPassphrase = z.infer<typeof newPassphraseSchema>;

export type Strength = { score: 0 | 1 | 2 | 3 | 4; label: string };

/**
 * A rough strength hint, not a gate: length counts most, then variety and separate words.
 * The gate is the length floor above.
 */
export function passphraseStrength(passphrase: string): Strength {
  const length = [...passphrase].length;
  if (length < MIN_PASSPHRASE_CHARS) return { score: 0, label: 'Too short' };
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9\s]/].filter((r) => r.test(passphrase)).length;
  const words = passphrase.trim().split(/[\s\-_.]+/).filter((w) => w.length >= 3).length;
  const repeated = /(.)\1{3,}/.test(passphrase) || new Set(passphrase).size < 6;
  let points = (length >= 16 ? 2 : 1) + (length >= 24 ? 1 : 0) + (classes >= 3 ? 1 : 0) + (words >= 4 ? 1 : 0);
  if (repeated) points = 1;
  const score = Math.min(4, Math.max(1, points)) as Strength['score'];
  return { score, label: ['Too short', 'Weak', 'Fair', 'Strong', 'Very strong'][score] ?? 'Weak' };
}
