import type { Network } from '@/lib/accounts';

type NetworkWords = {
  /** Its name. */
  name: string;
  /** Where a person logs in. */
  site: string;
  /** What kind of account connects. */
  accounts: string;
  /** Which accounts can connect, said before the sign-in (null: any account of it). */
  whoCanConnect: string | null;
  /** Where, in the network's own app, a person removes Evergreen's access. */
  appPermissions: string;
  /** Why the dashboard shows no posts, when it never does for this network. */
  noPosts: string | null;
};

/** What the UI says of each network. One place; the core's words come from the core. */
export const NETWORKS: Record<Network, NetworkWords> = {
  instagram: {
    name: 'Instagram',
    site: 'instagram.com',
    accounts: 'an Instagram professional account (Business or Creator)',
    whoCanConnect: 'Only Business and Creator accounts can connect.',
    appPermissions: 'Settings and activity → Website permissions → Apps and websites',
    noPosts: null,
  },
  threads: {
    name: 'Threads',
    site: 'threads.com',
    accounts: 'a Threads profile',
    whoCanConnect: null,
    appPermissions: 'Settings → Account → Website permissions',
    noPosts: 'Evergreen keeps Threads profiles connected; it does not show their posts.',
  },
};

/** The networks, in the order the app shows them. */
export const NETWORK_ORDER: readonly Network[] = ['instagram', 'threads'];

export const networkName = (network: Network) => NETWORKS[network].name;
