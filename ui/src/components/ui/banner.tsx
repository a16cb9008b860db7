import type { HTMLAttributes, ReactNode } from 'react';

type Tone = 'info' | 'success' | 'warning' | 'danger';

type BannerProps = {
  tone: Tone;
  title: string;
  children: ReactNode;
  action?: ReactNode;
  onDismiss?: () => void;
} & Omit<HTMLAttributes<HTMLDivElement>, 'title'>;

/** A one-sentence message with at most one action. */
export function Banner({ tone, title, children, action, onDismiss, ...rest }: BannerProps) {
  return (
    <div role={tone === 'danger' || tone === 'warning' ? 'alert' : 'status'} className={`banner banner--${tone}`} {...rest}>
      <div className="banner__body">
        <strong className="banner__title">{title}</strong>
        <span className="banner__text">{children}</span>
      </div>
      {action}
      {onDismiss && (
        <button type="button" className="button button--ghost" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
