import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { appKeys } from '@/lib/app-info';
import { call } from '@/lib/ipc';

import { serviceInfoSchema } from './check-sign-in-service';
import { setupKeys } from './keys';

/** Only emptiness is refused here; the backend decides what is a usable address. */
export const serviceAddressSchema = z
  .string()
  .check(z.trim(), z.minLength(1, "Enter the sign-in service's address."), z.maxLength(2048, 'That address is too long.'));

/** The codes that are about the address itself, so they belong on the field. */
export const ADDRESS_ERRORS = ['invalid_settings', 'relay_untrusted', 'relay_unreachable', 'not_a_sign_in_service'];

export const setSignInService = (url: string) => call('set_sign_in_service', { url }, serviceInfoSchema);

export function useSetSignInService() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setSignInService,
    onSuccess: (service) => {
      // Just checked: no need to ask it again.
      queryClient.setQueryData(setupKeys.service(service.url), service);
      // The address in use, and where it is saved, are part of the app info.
      return queryClient.invalidateQueries({ queryKey: appKeys.info });
    },
  });
}
