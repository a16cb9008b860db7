import type { SignIn } from '@/lib/app-info';
import { IpcError } from '@/lib/ipc';

import { useSignInService } from '../api/check-sign-in-service';

/**
 * Which sign-in service this is: its name once it has answered, its host meanwhile, and the
 * host with the reason when it can't be reached. A failed check is shown, not enforced.
 */
export function ServiceSummary({ signIn }: { signIn: SignIn }) {
  const service = useSignInService(signIn.url);
  if (service.isSuccess) {
    return (
      <span data-testid="service-summary" data-state="ok">
        <strong>
          <bdi>{service.data.name}</bdi>
        </strong>{' '}
        <span className="muted">({signIn.host})</span>
      </span>
    );
  }
  if (service.isError) {
    return (
      <span data-testid="service-summary" data-state="error">
        <strong>{signIn.host}</strong>{' '}
        <span className="service-problem">{IpcError.from(service.error).message}</span>
      </span>
    );
  }
  return (
    <span data-testid="service-summary" data-state="checking">
      <strong>{signIn.host}</strong> <span className="muted">(checking…)</span>
    </span>
  );
}
