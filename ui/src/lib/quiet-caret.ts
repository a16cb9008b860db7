// WebKitGTK repaints a focused field's blinking caret about twice a second, in software where
// there is no GPU: about 1 % of a core for a window left open on the unlock screen, against
// 0.1 % without a caret (docs/PERFORMANCE.md). GTK's own entries stop blinking after 10 s
// without input (gtk-cursor-blink-timeout); WebKitGTK ignores that setting, so the page does
// the same. Making the field read-only is not enough (a read-only password field still
// blinks), so the idle field gives up focus and keeps its outline; the next key gives the
// focus straight back before the key is handled, so nothing typed is lost, and a click goes
// wherever it was aimed.
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
    // A field that is read-only or disabled on purpose has no caret to stop.
    if (!field || field.readOnly || field.disabled) return;
    paused = field;
    field.dataset.caretPaused = '';
    field.blur();
  };
  const forget = () => {
    if (!paused) return;
    delete paused.dataset.caretPaused;
    paused = null;
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(pause, idleMs);
  };
  const onKey = () => {
    // Nothing else took the focus since: the key belongs to the paused field.
    if (paused && (doc.activeElement === doc.body || doc.activeElement === null)) {
      paused.focus({ preventScroll: true });
    }
    forget();
    arm();
  };
  const onOther = () => {
    forget();
    arm();
  };

  // Capture phase: the field has its focus back before any handler or the browser sees the key.
  doc.addEventListener('keydown', onKey, true);
  doc.addEventListener('pointerdown', onOther, true);
  doc.addEventListener('focusin', onOther, true);
  arm();
  return () => {
    doc.removeEventListener('keydown', onKey, true);
    doc.removeEventListener('pointerdown', onOther, true);
    doc.removeEventListener('focusin', onOther, true);
    clearTimeout(timer);
    forget();
  };
}

export function useQuietIdleCaret() {
  useEffect(() => quietIdleCaret(document), []);
}
