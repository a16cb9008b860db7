import { useEffect, useRef, type ReactNode } from 'react';

import { Button } from '@/components/ui/button';

/** Rows drawn at first, and added each time the end of the list comes into view. Drawing
 *  500 rows at once took 300 ms after an unlock; a page keeps that the same for 4 or 2,000.
 *  Twenty fill a tall window twice. */
export const PAGE = 20;

type Props = {
  /** How many rows there are to show. */
  total: number;
  /** How many are drawn now. */
  drawn: number;
  /** Draw `PAGE` more. */
  onMore: () => void;
  children: ReactNode;
};

/** The list's rows, then, while some are not drawn, a sentinel that draws the next page as
 *  it scrolls into view, and a button that does the same from the keyboard. */
export function PagedList({ total, drawn, onMore, children }: Props) {
  const sentinel = useRef<HTMLDivElement>(null);
  const more = total > drawn;
  useEffect(() => {
    const target = sentinel.current;
    if (!more || !target || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) onMore();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [more, onMore, drawn]);
  return (
    <>
      <ul className="plain-list accounts" data-testid="account-list">
        {children}
      </ul>
      {more && (
        <div ref={sentinel} className="paged-list__more">
          <Button variant="ghost" onClick={onMore} data-testid="show-more">
            Show {Math.min(PAGE, total - drawn)} more ({total - drawn} not shown)
          </Button>
        </div>
      )}
    </>
  );
}
