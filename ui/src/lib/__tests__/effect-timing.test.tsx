import { useEffect, useRef } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';

// The test setup installs the timing, as main.tsx does; these tests check what it promises.
// They render with `createRoot` rather than Testing Library, whose `act` flushes effects
// itself: a query's answer renders outside any `act`, and so does the app.

const roots: ReturnType<typeof createRoot>[] = [];

async function renderOutsideAct(element: React.ReactElement) {
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  roots.push(root);
  root.render(element);
  // Preact commits in a microtask; effects wait for the next frame.
  await Promise.resolve();
  await Promise.resolve();
  return container;
}

afterEach(() => {
  roots.splice(0).forEach((root) => root.unmount());
  document.body.replaceChildren();
});

/** A button whose handler reports whether the component's effect had run by then. */
function Probe({ onClick }: { onClick: (effectRan: boolean) => void }) {
  const ran = useRef(false);
  useEffect(() => {
    ran.current = true;
  }, []);
  return (
    <button type="button" onClick={() => onClick(ran.current)}>
      probe
    </button>
  );
}

describe('effect timing', () => {
  it('runs pending effects before a click is handled', async () => {
    let seen: boolean | undefined;
    const container = await renderOutsideAct(<Probe onClick={(ran) => (seen = ran)} />);
    container.querySelector('button')?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(seen).toBe(true);
  });

  it('runs pending effects before a key is handled', async () => {
    let seen: boolean | undefined;
    const container = await renderOutsideAct(<Probe onClick={(ran) => (seen = ran)} />);
    const button = container.querySelector('button');
    button?.addEventListener('keydown', () => button.click());
    button?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(seen).toBe(true);
  });

  it('leaves effects to the frame when nothing happens', async () => {
    let ran = false;
    function Effect() {
      useEffect(() => {
        ran = true;
      }, []);
      return null;
    }
    await renderOutsideAct(<Effect />);
    expect(ran).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(ran).toBe(true);
  });
});
