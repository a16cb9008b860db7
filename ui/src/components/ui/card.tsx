import type { HTMLAttributes, ReactNode } from 'react';

type CardProps = { title: ReactNode; aside?: ReactNode; children: ReactNode } & Omit<HTMLAttributes<HTMLElement>, 'title'>;

export function Card({ title, aside, children, className, ...rest }: CardProps) {
  return (
    <section className={['card', className].filter(Boolean).join(' ')} {...rest}>
      <header className="card__header">
        <h2 className="card__title">{title}</h2>
        {aside}
      </header>
      <div className="card__body">{children}</div>
    </section>
  );
}
