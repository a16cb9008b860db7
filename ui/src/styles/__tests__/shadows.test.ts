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

const withoutComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '');

/** Every value each custom property is given anywhere (a theme may give it another). */
function customProperties(): Map<string, string[]> {
  const defined = new Map<string, string[]>();
  for (const text of Object.values(sheets)) {
    for (const [, name = '', value = ''] of withoutComments(text).matchAll(/(--[\w-]+)\s*:\s*([^;}]+)/g)) {
      defined.set(name, [...(defined.get(name) ?? []), value.trim()]);
    }
  }
  return defined;
}

/** Where `(` at `open` closes. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '(') depth += 1;
    if (text[i] === ')' && --depth === 0) return i;
  }
  return text.length;
}

/** `value` with each `var(--x[, fallback])` replaced by every value `--x` is given and by its
 *  fallback: all the shadows the declaration can draw. */
function expand(value: string, defined: Map<string, string[]>, depth = 0): string[] {
  const at = value.indexOf('var(');
  if (at < 0 || depth > 8) return [value];
  const end = closing(value, at + 3);
  const inside = value.slice(at + 4, end);
  const comma = inside.indexOf(',');
  const name = (comma < 0 ? inside : inside.slice(0, comma)).trim();
  const choices = [...(defined.get(name) ?? [])];
  if (comma >= 0) choices.push(inside.slice(comma + 1).trim());
  return choices.flatMap((choice) =>
    expand(value.slice(0, at) + choice + value.slice(end + 1), defined, depth + 1),
  );
}

/** Every `box-shadow` and `text-shadow` declaration, custom properties resolved: where, and
 *  each value it can take. */
function shadowDeclarations(): { where: string; value: string }[] {
  const defined = customProperties();
  const found: { where: string; value: string }[] = [];
  for (const [file, text] of Object.entries(sheets)) {
    for (const [, property, value = ''] of withoutComments(text).matchAll(/((?:box|text)-shadow)\s*:\s*([^;}]+)/g)) {
      for (const each of expand(value.trim(), defined)) found.push({ where: `${file}: ${property}`, value: each });
    }
  }
  return found;
}

/** A CSS length or number: `0`, `-2px`, `.5em`, `+1PT`. */
const LENGTH = /^[+-]?(\d+\.?\d*|\.\d+)([a-z]+)?$/i;

/** The blur radius of each shadow in `value` (0 when not given; a `calc()` counts as 1). */
function blurRadii(value: string): number[] {
  if (value.trim() === 'none') return [];
  // A calc() stands for some length; the other functions are colours, whose commas are not
  // between shadows.
  let plain = value;
  for (let at = plain.search(/calc\(/i); at >= 0; at = plain.search(/calc\(/i)) {
    plain = `${plain.slice(0, at)} 1px ${plain.slice(closing(plain, at + 4) + 1)}`;
  }
  for (let at = plain.search(/[a-z-]+\(/i); at >= 0; at = plain.search(/[a-z-]+\(/i)) {
    plain = `${plain.slice(0, at)} color ${plain.slice(closing(plain, plain.indexOf('(', at)) + 1)}`;
  }
  return plain.split(',').map((shadow) => {
    const [, , blur = '0'] = shadow
      .trim()
      .split(/\s+/)
      .filter((token) => LENGTH.test(token));
    return Number.parseFloat(blur);
  });
}

describe('shadows', () => {
  it('reads blur radii the way CSS does', () => {
    expect(blurRadii('0 1px 0 rgb(0 0 0 / 6%)')).toEqual([0]);
    expect(blurRadii('0 1px 2px rgb(0 0 0 / 6%), 0 4px 16px rgb(0 0 0 / 5%)')).toEqual([2, 16]);
    expect(blurRadii('inset 0 0 0 1px #ccc')).toEqual([0]);
    expect(blurRadii('0 1pt 8pt #000')).toEqual([8]);
    expect(blurRadii('+0 +1PX +.5em color-mix(in srgb, red 50%, blue)')).toEqual([0.5]);
    expect(blurRadii('0 0 calc(2px + 1px) black')).toEqual([1]);
    expect(blurRadii('none')).toEqual([]);
  });

  it('resolves custom properties, every definition and the fallback', () => {
    const defined = new Map([
      ['--a', ['0 1px 0 red', '0 4px 16px black']],
      ['--b', ['0 1px 0 red']],
    ]);
    expect(expand('var(--a)', defined)).toEqual(['0 1px 0 red', '0 4px 16px black']);
    expect(expand('var(--missing, 0 4px 16px rgb(0 0 0 / 5%))', defined)).toEqual(['0 4px 16px rgb(0 0 0 / 5%)']);
    expect(expand('var(--b), 0 2px 3px blue', defined)).toEqual(['0 1px 0 red, 0 2px 3px blue']);
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
    const blurs = Object.entries(sheets).filter(([, text]) =>
      /filter\s*:[^;]*(blur|drop-shadow)\(/i.test(withoutComments(text)),
    );
    expect(blurs.map(([file]) => file)).toEqual([]);
  });
});
