import { passphraseStrength } from '../api/passphrase';

export function StrengthMeter({ passphrase }: { passphrase: string }) {
  const { score, label } = passphraseStrength(passphrase);
  return (
    <div className="strength" data-score={score}>
      <div className="strength__bar" aria-hidden="true">
        {[1, 2, 3, 4].map((i) => (
          <span key={i} className={i <= score ? 'strength__seg strength__seg--on' : 'strength__seg'} />
        ))}
      </div>
      <span className="strength__label">Strength: {label}</span>
    </div>
  );
}
