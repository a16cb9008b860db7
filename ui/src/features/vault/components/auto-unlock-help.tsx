/** What automatic unlock trades, in plain words: the same text wherever it is offered. */
export function AutoUnlockHelp() {
  return (
    <p className="muted">
      Your login keyring (GNOME Keyring, KWallet or KeePassXC) keeps a key that opens Evergreen, so after a restart your
      accounts keep renewing without you typing the passphrase. While your keyring is unlocked, any program running as you
      can read that key, so turn this on only on a computer you trust.
    </p>
  );
}
