import type { Account } from '@/lib/accounts';

export function Avatar({ account, size = 40 }: { account: Pick<Account, 'username' | 'profilePictureUrl'>; size?: number }) {
  if (!account.profilePictureUrl) {
    return (
      <span className="avatar avatar--empty" style={{ width: size, height: size }} aria-hidden="true">
        {account.username.slice(0, 1).toUpperCase()}
      </span>
    );
  }
  return <img className="avatar" src={account.profilePictureUrl} alt="" width={size} height={size} />;
}
