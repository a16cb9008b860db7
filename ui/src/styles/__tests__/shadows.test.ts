/// <reference types="node" />
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// WebKitGTK paints Evergreen's window in software, and a blurred shadow is blurred again each
// time anything inside its box repaints: the Integrations card's blur cost a keystroke about
// 30 ms (docs/PERFORMANCE.md). This keeps blurs out of every stylesheet.

// A string, not a URL: jsdom's URL is not the one `fileURLToPath` takes.
const stylesDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every stylesheet under `src/styles/`, by its path there. (Read from disk: Vitest hands CSS
 *  imports over empty.) */
const sheets: Record<string, string> = Object.fromEntries(
  readdirSync(stylesDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.css'))
    .map((file) => [file, readFileSync(join(stylesDir, file), 'utf8')]),
);

/** Every `box-shadow`, `text-shadow` and `--shadow…` declaration: where, and its value. */
function shadowDeclarations(): { where: string; value: string }[] {
  const found: { where: string; value: string }[] = [];
  for (const [file, text] of Object.entries(sheets)) {
    const css = text.replace(/\/\*[\s\S]*?\*\//g, '');
    for (const [, property, value = ''] of css.matchAll(/(box-shadow|text-shadow|--shadow[\w-]*)\s*:\s*([^;}]+)/g)) {
      found.push({ where: `${file}: ${property}`, value: value.trim() });
    }
  }
  return found;
}

/** The blur radius of each shadow in `value` (0 when not given). */
function blurRadii(value: string): number[] {
  if (value === 'none' || value.startsWith('var(')) return [];
  // Commas inside rgb(…) are not between shadows.
  const withoutColors = value.replace(/[a-z-]+\([^)]*\)/g, 'color');
  return withoutColors.split(',').map((shadow) => {
    const [, , blur = '0'] = shadow
      .trim()
      .split(/\s+/)
      .filter((token) => /^-?[\d.]+(px|em|rem)?$/.test(token));
    return Number.parseFloat(blur);
  });
}

describe('shadows', () => {
  it('reads blur radii the way CSS does', () => {
    expect(blurRadii('0 1px 0 rgb(0 0 0 / 6%)')).toEqual([0]);
    expect(blurRadii('0 1px 2px rgb(0 0 0 / 6%), 0 4px 16px rgb(0 0 0 / 5%)')).toEqual([2, 16]);
    expect(blurRadii('inset 0 0 0 1px var(--border)')).toEqual([0]);
    expect(blurRadii('var(--shadow)')).toEqual([]);
  });

  it('finds the stylesheets', () => {
    expect(Object.keys(sheets).length).toBeGreaterThan(5);
    expect(shadowDeclarations().length).toBeGreaterThan(0);
  });

  it('are never blurred', () => {
    const blurred = shadowDeclarations().filter(({ value }) => blurRadii(value).some((r) => r > 0));
    expect(blurred).toEqual([]);
  });

  it('no filter blurs either', () => {
    const blurs = Object.entries(sheets).filter(([, text]) => /(backdrop-)?filter\s*:[^;]*blur\(/.test(text));
    expect(blurs.map(([file]) => file)).toEqual([]);
  });
});
