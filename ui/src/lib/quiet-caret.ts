// WebKitGTK repaints a focused field's blinking caret about twice a second, in software where
// there is no GPU: about 1 % of a core for a window left open on the unlock screen, against
// 0.1 % without a caret (docs/PERFORMANCE.md). GTK's own entries stop blinking after 10 s
// without input (gtk-cursor-blink-timeout); WebKitGTK ignores that setting, so the page does
// the same: a text field left alone that long becomes read-only (no caret, nothing to repaint)
// and keeps its focus and value; the next key or click makes it editable again before the key
// is handled, so nothing typed is lost.
import { useEffect } from 'react';

/** GTK's default gtk-cursor-blink-timeout. */
export const CARET_IDLE_MS = 10_000;

const CARET_TYPES = new Set(['text', 'password', 'email', 'search', 'url', 'tel', 'number']);

type CaretField = HTMLInputElement | HTMLTextAreaElement;

function caretField(element: Element | null): CaretField | null {
  if (element instanceof HTMLTextAreaElement) return element;
  if (element instanceof HTMLInputElement && CARET_TYPES.has(element.type)) return element;
  return null;
}

/** Watch `doc` for idle focused fields; returns the function that stops watching. */
export function quietIdleCaret(doc: Document, idleMs = CARET_IDLE_MS): () => void {
  let paused: CaretField | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const pause = () => {
    const field = caretField(doc.activeElement);
    // A field that is read-only or disabled on purpose is never touched.
    if (!field || field.readOnly || field.disabled) return;
    field.readOnly = true;
    field.dataset.caretPaused = '';
    paused = field;
  };
  const resume = () => {
    if (!paused) return;
    paused.readOnly = false;
    delete paused.dataset.caretPaused;
    paused = null;
  };
  const onActivity = () => {
    resume();
    clearTimeout(timer);
    timer = setTimeout(pause, idleMs);
  };

  // Capture phase: the field is editable again before any handler or the browser sees the key.
  const events = ['keydown', 'pointerdown', 'focusin'] as const;
  for (const name of events) doc.addEventListener(name, onActivity, true);
  onActivity();
  return () => {
    for (const name of events) doc.removeEventListener(name, onActivity, true);
    clearTimeout(timer);
    resume();
  };
}

export function useQuietIdleCaret() {
  useEffect(() => quietIdleCaret(document), []);
}
