import { InstagramCard } from '@/features/accounts/components/instagram-card';

export function IntegrationsRoute() {
  return (
    <>
      <h1 className="page-title">Integrations</h1>
      <InstagramCard />
    </>
  );
}
