import { accountKind } from '@/features/accounts/status';
import type { Account } from '@/lib/accounts';

import type { Profile } from '../api/get-profile';

const count = new Intl.NumberFormat('en-GB');

/** Who the account is: live when its network answers, from the last check when it doesn't. */
export function ProfileHeader({ account, profile }: { account: Account; profile?: Profile | undefined }) {
  const picture = profile?.profilePictureUrl ?? account.profilePictureUrl;
  const kind = accountKind({ network: account.network, accountType: profile?.accountType ?? account.accountType });
  return (
    <div className="profile" data-testid="profile">
      {picture ? (
        <img className="avatar" src={picture} alt="" width={72} height={72} />
      ) : (
        <span className="avatar avatar--empty" style={{ width: 72, height: 72 }} aria-hidden="true">
          {account.username.slice(0, 1).toUpperCase()}
        </span>
      )}
      <div>
        <h2 className="profile__name">{profile?.name ?? `@${account.username}`}</h2>
        <p className="muted profile__meta">
          @{profile?.username ?? account.username} · {kind}
        </p>
        <dl className="profile__counts">
          <div>
            <dt>Followers</dt>
            <dd data-testid="followers">{profile?.followersCount != null ? count.format(profile.followersCount) : '—'}</dd>
          </div>
          <div>
            <dt>Posts</dt>
            <dd>{profile?.mediaCount != null ? count.format(profile.mediaCount) : '—'}</dd>
          </div>
        </dl>
      </div>
    </div>
  );
}
