import { Banner } from '@/components/ui/banner';
import { Button } from '@/components/ui/button';
import { IpcError } from '@/lib/ipc';
import { shortDate } from '@/lib/time';

import { useMedia } from '../api/get-media';

/** Recent posts, twelve at a time, with designed loading, empty and error states. */
export function MediaGrid({ accountId, enabled }: { accountId: string; enabled: boolean }) {
  const media = useMedia(accountId, enabled);
  if (!enabled) {
    return <p className="muted">Reconnect the account to see its recent posts.</p>;
  }
  if (media.isPending) {
    return (
      <ul className="media-grid" aria-busy="true" aria-label="Loading recent posts">
        {Array.from({ length: 6 }, (_, i) => (
          <li key={i} className="media-tile media-tile--skeleton" />
        ))}
      </ul>
    );
  }
  if (media.isError) {
    return (
      <Banner
        tone="warning"
        title="Couldn't load posts"
        action={<Button onClick={() => void media.refetch()}>Try again</Button>}
      >
        {IpcError.from(media.error).message}
      </Banner>
    );
  }
  const items = media.data.pages.flatMap((p) => p.items);
  if (items.length === 0) {
    return <p className="muted" data-testid="media-empty">No posts yet. New posts show up here.</p>;
  }
  return (
    <>
      <ul className="media-grid" data-testid="media-grid">
        {items.map((m) => (
          <li key={m.id} className="media-tile" data-testid="media-tile">
            {m.imageUrl ? (
              <img src={m.imageUrl} alt={m.caption ?? 'Post'} loading="lazy" />
            ) : (
              <span className="media-tile__none">{m.mediaType ?? 'Post'}</span>
            )}
            <span className="media-tile__caption">
              {m.timestamp ? shortDate(m.timestamp.replace('+0000', 'Z')) : ''} {m.mediaType === 'VIDEO' ? '· Video' : ''}
            </span>
          </li>
        ))}
      </ul>
      {media.hasNextPage && (
        <div className="media-more">
          <Button onClick={() => void media.fetchNextPage()} busy={media.isFetchingNextPage} data-testid="load-more">
            Load more
          </Button>
        </div>
      )}
    </>
  );
}
