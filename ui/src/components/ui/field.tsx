import { useId, useState, type InputHTMLAttributes, type ReactNode } from 'react';

type FieldProps = {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  revealable?: boolean;
} & InputHTMLAttributes<HTMLInputElement>;

/** A labelled input with its hint and error wired for screen readers. */
export function Field({ label, hint, error, revealable = false, type = 'text', ...input }: FieldProps) {
  const id = useId();
  const [revealed, setRevealed] = useState(false);
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      <div className="field__control">
        <input
          id={id}
          className="field__input"
          type={revealable && revealed ? 'text' : type}
          aria-invalid={error ? true : undefined}
          aria-describedby={[errorId, hintId].filter(Boolean).join(' ') || undefined}
          {...input}
        />
        {revealable && (
          <button
            type="button"
            className="button button--ghost field__reveal"
            aria-pressed={revealed}
            onClick={() => setRevealed((r) => !r)}
          >
            {revealed ? 'Hide' : 'Show'}
          </button>
        )}
      </div>
      {error && (
        <p id={errorId} className="field__error" role="alert">
          {error}
        </p>
      )}
      {hint && (
        <div id={hintId} className="field__hint">
          {hint}
        </div>
      )}
    </div>
  );
}
