// React's effect timing, under Preact. Preact runs a render's effects (`useEffect`) after the
// next frame; React runs them then too, but also flushes any that are still pending before it
// handles the next discrete event (a click, a key). Code written for React relies on that:
// TanStack Query subscribes a mutation's observer in an effect, and calls the callbacks given
// to `mutate(…, { onSuccess, onError })` only for a subscribed observer. Under Preact alone, a
// click on a dialog drawn in the same frame started its mutation and lost the answer: the
// dialog forgot the sign-in it had just started (issue "CI passes every time").
//
// So effects keep Preact's after-paint schedule, and whatever is still pending when a discrete
// event arrives runs first, in the capture phase on the window, before any handler sees it.
import { options } from 'preact';

/** Events React treats as discrete: each one sees the effects of every render before it. */
const DISCRETE_EVENTS = [
  'pointerdown',
  'pointerup',
  'mousedown',
  'mouseup',
  'click',
  'auxclick',
  'contextmenu',
  'dblclick',
  'keydown',
  'keyup',
  'keypress',
  'beforeinput',
  'input',
  'change',
  'submit',
  'focusin',
  'focusout',
  'touchstart',
  'touchend',
] as const;

/** Preact's own fallback when a frame never comes (a hidden window has none). */
const FRAME_TIMEOUT_MS = 35;

let installed = false;
let pending: (() => void) | undefined;

function flushPending() {
  const flush = pending;
  pending = undefined;
  // Preact's flush runs its whole queue and is a no-op on an empty one, so the frame that
  // was scheduled for it may still call it.
  flush?.();
}

/** Schedule like Preact does (after the next frame, or a timeout), remembering the flush. */
function afterNextFrame(flush: () => void) {
  pending = flush;
  const done = () => {
    clearTimeout(timeout);
    cancelAnimationFrame(frame);
    setTimeout(() => {
      if (pending === flush) pending = undefined;
      flush();
    });
  };
  const timeout = setTimeout(done, FRAME_TIMEOUT_MS);
  const frame = requestAnimationFrame(done);
}

/** Install once per page, before the first render. */
export function installReactEffectTiming(target: Window = window) {
  if (installed) return;
  installed = true;
  options.requestAnimationFrame = afterNextFrame;
  for (const type of DISCRETE_EVENTS) target.addEventListener(type, flushPending, { capture: true });
}
