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

/** What a `var()` stands for when nothing gives it a value (or it nests too deep): the check
 *  cannot see what it draws, so it counts as a blur. */
const UNKNOWN = 'unresolved';

/** `value` with each `var(--x[, fallback])` replaced by every value `--x` is given and by its
 *  fallback: all the shadows the declaration can draw. */
function expand(value: string, defined: Map<string, string[]>, depth = 0): string[] {
  const at = value.search(/var\(/i);
  if (at < 0) return [value];
  if (depth > 8) return [UNKNOWN];
  const end = closing(value, at + 3);
  const inside = value.slice(at + 4, end);
  const comma = inside.indexOf(',');
  const name = (comma < 0 ? inside : inside.slice(0, comma)).trim();
  const choices = [...(defined.get(name) ?? [])];
  if (comma >= 0) choices.push(inside.slice(comma + 1).trim());
  if (choices.length === 0) return [UNKNOWN];
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
    for (const [, property, value = ''] of withoutComments(text).matchAll(/((?:box|text)-shadow)\s*:\s*([^;}]+)/gi)) {
      for (const each of expand(value.trim(), defined)) found.push({ where: `${file}: ${property}`, value: each });
    }
  }
  return found;
}

/** A CSS length or number: `0`, `-2px`, `.5em`, `+1PT`, `1e1px`. */
const LENGTH = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?([a-z]+)?$/i;

/** The functions that give a colour; any other (`calc()`, `max()`, `clamp()`, …) may give a
 *  length, so it counts as one of 1px. */
const COLOUR_FUNCTIONS = /^(rgba?|hsla?|hwb|lab|lch|oklab|oklch|color|color-mix|light-dark)$/i;

/** The blur radius of each shadow in `value` (0 when not given; a length the check cannot read
 *  counts as 1). */
function blurRadii(value: string): number[] {
  if (value.trim().toLowerCase() === 'none') return [];
  if (value.includes(UNKNOWN)) return [Number.POSITIVE_INFINITY];
  // Innermost functions first, so a colour's commas never split shadows.
  let plain = value;
  for (let at = plain.search(/[a-z-]+\(/i); at >= 0; at = plain.search(/[a-z-]+\(/i)) {
    const open = plain.indexOf('(', at);
    const name = plain.slice(at, open);
    plain = `${plain.slice(0, at)} ${COLOUR_FUNCTIONS.test(name) ? 'color' : '1px'} ${plain.slice(closing(plain, open) + 1)}`;
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
    expect(blurRadii('0 4px max(16px, 0px) black')).toEqual([1]);
    expect(blurRadii('0 4px clamp(1px, 2vw, 9px) rgb(0 0 0 / 5%)')).toEqual([1]);
    expect(blurRadii('0 0 1e1px #000')).toEqual([10]);
    expect(blurRadii('calc(1px + 0px) 0 0 hsl(0 0% 0%)')).toEqual([0]);
    expect(blurRadii('none')).toEqual([]);
    expect(blurRadii(UNKNOWN)).toEqual([Number.POSITIVE_INFINITY]);
  });

  it('resolves custom properties, every definition and the fallback', () => {
    const defined = new Map([
      ['--a', ['0 1px 0 red', '0 4px 16px black']],
      ['--b', ['0 1px 0 red']],
    ]);
    expect(expand('var(--a)', defined)).toEqual(['0 1px 0 red', '0 4px 16px black']);
    expect(expand('var(--missing, 0 4px 16px rgb(0 0 0 / 5%))', defined)).toEqual(['0 4px 16px rgb(0 0 0 / 5%)']);
    expect(expand('var(--b), 0 2px 3px blue', defined)).toEqual(['0 1px 0 red, 0 2px 3px blue']);
    expect(expand('VAR(--b)', defined)).toEqual(['0 1px 0 red']);
    // Nothing gives it a value here (an inline style, `@property`): unknown, so counted blurred.
    expect(expand('var(--nowhere)', defined)).toEqual([UNKNOWN]);
  });

  it('reads properties in any case', () => {
    const found = [...'A { Box-Shadow: 0 0 16px #000 }'.matchAll(/((?:box|text)-shadow)\s*:\s*([^;}]+)/gi)];
    expect(found.length).toBe(1);
    expect(blurs('a { FILTER: Drop-Shadow(0 2px 6px #0003) }')).toBe(true);
    expect(blurs('a { filter: var(--lift) } b { --lift: drop-shadow(0 2px 6px #0003) }')).toBe(true);
    expect(blurs('a { backdrop-filter: blur(4px) }')).toBe(true);
    expect(blurs('a { filter: saturate(0.5) }')).toBe(false);
    expect(blurs('a { filter: url(#soft) }')).toBe(true);
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
    const blurring = Object.entries(sheets).filter(([, text]) => blurs(text));
    expect(blurring.map(([file]) => file)).toEqual([]);
  });

  it('no component draws a shadow or a filter of its own', () => {
    // Inline styles escape the stylesheets' check: shadows and filters belong in them.
    const drawn = /(?:^|[\s{,'"])(box-?shadow|text-?shadow|filter|backdrop-?filter|webkit-?(box-?shadow|filter|backdrop-?filter)|--[\w-]+)['"]?\s*:/i;
    const inline = components().filter(([, text]) => inlineStyles(text).some((style) => drawn.test(style)));
    expect(inline.map(([file]) => file)).toEqual([]);
    expect(inlineStyles('<a style={{ boxShadow: "0 0 4px red" }} />').some((style) => drawn.test(style))).toBe(true);
    expect(inlineStyles('<a style={{ width: 4 }} />').some((style) => drawn.test(style))).toBe(false);
    expect(inlineStyles(`<a style={{ 'WebkitBoxShadow': '0 0 4px red' }} />`).some((style) => drawn.test(style))).toBe(true);
    expect(inlineStyles(`<a style={{ '--shadow': '0 8px 24px #0004' }} />`).some((style) => drawn.test(style))).toBe(true);
    // Nor sets one through the DOM.
    const scripted = sources().filter(([, text]) => /\.style\.(setProperty|boxShadow|textShadow|filter|backdropFilter)\b/.test(text));
    expect(scripted.map(([file]) => file)).toEqual([]);
  });
});

/** Whether `css` has a `filter` or `backdrop-filter` that blurs or draws a shadow, custom
 *  properties resolved from `css` and every stylesheet. */
function blurs(css: string): boolean {
  const defined = customProperties();
  for (const [, name = '', value = ''] of withoutComments(css).matchAll(/(--[\w-]+)\s*:\s*([^;}]+)/g)) {
    defined.set(name, [...(defined.get(name) ?? []), value.trim()]);
  }
  return [...withoutComments(css).matchAll(/(?:^|[\s;{])(?:-webkit-)?(?:backdrop-)?filter\s*:\s*([^;}]+)/gi)].some(
    ([, value = '']) => expand(value, defined).some((each) => each === UNKNOWN || /(blur|drop-shadow|url)\(/i.test(each)),
  );
}

/** Every component under `src/` but the tests, by path. */
function components(): [string, string][] {
  const src = join(stylesDir, '..');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.tsx') && !file.includes('__tests__'))
    .map((file) => [file, readFileSync(join(src, file), 'utf8')]);
}

/** Every module under `src/` but the tests, by path. */
function sources(): [string, string][] {
  const src = join(stylesDir, '..');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file) && !file.includes('__tests__'))
    .map((file) => [file, readFileSync(join(src, file), 'utf8')]);
}

/** The objects given to `style={{ … }}` in a component's source. */
function inlineStyles(source: string): string[] {
  const found: string[] = [];
  for (let at = source.indexOf('style={{'); at >= 0; at = source.indexOf('style={{', at + 1)) {
    const open = at + 'style={'.length;
    let depth = 0;
    let end = open;
    for (; end < source.length; end += 1) {
      if (source[end] === '{') depth += 1;
      if (source[end] === '}' && --depth === 0) break;
    }
    found.push(source.slice(open, end + 1));
  }
  return found;
}
