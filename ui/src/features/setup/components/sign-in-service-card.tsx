import { useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { type SignIn, useAppInfo } from '@/lib/app-info';
import { IpcError } from '@/lib/ipc';
import { networkName } from '@/lib/networks';

import type { ServiceInfo } from '../api/check-sign-in-service';
import { ADDRESS_ERRORS, serviceAddressSchema, useSetSignInService } from '../api/set-sign-in-service';

import { ConfigProblems } from './config-problems';
import { ServiceSummary } from './service-summary';

/** Where the address in use comes from, in words. */
function sourceWords(signIn: SignIn): string {
  switch (signIn.source) {
    case 'environment':
      return 'Set for this run by EVERGREEN_RELAY_URL';
    case 'user_file':
      return signIn.path ? `Saved in ${signIn.path}` : 'Saved in your Evergreen settings';
    case 'system_file':
      return signIn.path ? `Set for this computer in ${signIn.path}` : 'Set for this computer';
    case 'build_default':
      return "Evergreen's built-in default";
  }
}

/** Settings → Sign-in service: the one in use, where it is set, and a form to use another. */
export function SignInServiceCard() {
  const info = useAppInfo();
  const signIn = info.data?.signIn ?? null;
  return (
    <Card title="Sign-in service" data-testid="sign-in-service">
      <div className="stack">
        <p className="muted">
          When you connect an Instagram account, Evergreen signs you in through this service.
          {info.data?.mode === 'demo' && ' You are using the pretend Instagram now: this is the one your real accounts will use.'}
        </p>
        {signIn ? (
          <dl className="facts" data-testid="sign-in-service-current">
            <dt>In use</dt>
            <dd>
              <ServiceSummary signIn={signIn} />
            </dd>
            <dt>Address</dt>
            <dd>{signIn.url}</dd>
            <dt>Where it&apos;s set</dt>
            <dd data-testid="sign-in-service-source">{sourceWords(signIn)}</dd>
          </dl>
        ) : (
          <p data-testid="sign-in-service-none">
            No sign-in service is set up. Ask whoever gave you Evergreen for its address.
          </p>
        )}
        {signIn?.source === 'environment' && (
          <p className="callout" role="note" data-testid="sign-in-service-environment">
            For this run, EVERGREEN_RELAY_URL wins over an address saved here. A saved address is used when Evergreen
            starts without it.
          </p>
        )}
        <ConfigProblems problems={info.data?.configProblems ?? []} />
        <p className="muted">
          Changing the sign-in service doesn&apos;t touch the accounts already connected: Evergreen renews them with
          Instagram directly.
        </p>
        <ServiceForm hasService={!!signIn} fromEnvironment={signIn?.source === 'environment'} />
      </div>
    </Card>
  );
}

function ServiceForm({ hasService, fromEnvironment }: { hasService: boolean; fromEnvironment: boolean }) {
  const [address, setAddress] = useState('');
  const [invalid, setInvalid] = useState<string | undefined>();
  const save = useSetSignInService();
  const error = save.error ? IpcError.from(save.error) : null;
  const fieldError = invalid ?? (error && ADDRESS_ERRORS.includes(error.code) ? error.message : undefined);

  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = serviceAddressSchema.safeParse(address);
    save.reset();
    if (!parsed.success) {
      setInvalid(parsed.error.issues[0]?.message);
      return;
    }
    setInvalid(undefined);
    save.mutate(parsed.data);
  }

  return (
    <form className="settings-form" onSubmit={submit} noValidate data-testid="sign-in-service-form">
      <h3 className="section-title">{hasService ? 'Use a different sign-in service' : 'Set up the sign-in service'}</h3>
      <Field
        label="Sign-in service address"
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="https://"
        value={address}
        onChange={(e) => {
          setAddress(e.target.value);
          setInvalid(undefined);
          if (!save.isPending) save.reset();
        }}
        error={fieldError}
        hint="Evergreen checks that the service answers before saving it. The address usually starts with https://."
        data-testid="sign-in-service-address"
      />
      {error && !fieldError && (
        <p className="form-error" role="alert">
          {error.message}
        </p>
      )}
      {save.isPending && (
        <p className="muted" role="status">
          Checking the sign-in service…
        </p>
      )}
      <div>
        <Button type="submit" variant="primary" busy={save.isPending} data-testid="sign-in-service-save">
          Check and save
        </Button>
      </div>
      {save.isSuccess && <FoundService service={save.data} fromEnvironment={fromEnvironment} />}
    </form>
  );
}

/** What the saved service said about itself, so the person can see it is the one they meant. */
function FoundService({ service, fromEnvironment }: { service: ServiceInfo; fromEnvironment: boolean }) {
  return (
    <div className="found-service" role="status" data-testid="sign-in-service-saved">
      <p>
        <strong>Saved.</strong>{' '}
        {fromEnvironment ? (
          <>
            Evergreen will use <bdi>{service.name}</bdi> when it starts without EVERGREEN_RELAY_URL.
          </>
        ) : (
          <>
            New sign-ins go through <bdi>{service.name}</bdi>.
          </>
        )}
      </p>
      <dl className="facts">
        <dt>Service</dt>
        <dd>
          <bdi>{service.name}</bdi> <span className="muted">({service.host})</span>
        </dd>
        <dt>Version</dt>
        <dd>
          <bdi>{service.version}</bdi>
        </dd>
        <dt>Connects</dt>
        <dd data-testid="service-networks">{service.networks.map(networkName).join(' and ')}</dd>
        <dt>Instagram app ID</dt>
        <dd>{service.instagramAppId}</dd>
        {service.threadsAppId && (
          <>
            <dt>Threads app ID</dt>
            <dd>{service.threadsAppId}</dd>
          </>
        )}
        <dt>Asks Instagram for</dt>
        <dd>
          {service.permissions.length ? (
            <ul className="plain-list">
              {service.permissions.map((permission) => (
                <li key={permission}>
                  <code>{permission}</code>
                </li>
              ))}
            </ul>
          ) : (
            'No permissions listed'
          )}
        </dd>
      </dl>
    </div>
  );
}
