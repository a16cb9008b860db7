import { useId } from 'react';

import { Banner } from '@/components/ui/banner';
import { Button } from '@/components/ui/button';
import { type AppInfo, useAppInfo } from '@/lib/app-info';
import { IpcError } from '@/lib/ipc';

import { useSignInService } from '../api/check-sign-in-service';
import { useChooseMode } from '../api/choose-mode';

import { ConfigProblems } from './config-problems';
import { ServiceSummary } from './service-summary';

/** The very first screen: real Instagram accounts, or a pretend Instagram to try things on. */
export function FirstRun({ onChosen }: { onChosen?: (info: AppInfo) => void }) {
  const info = useAppInfo();
  const choose = useChooseMode({ onSuccess: onChosen });
  const realId = useId();
  const demoId = useId();
  const signIn = info.data?.signIn ?? null;
  // The same check the summary shows; a failure is explained, never a reason to refuse.
  const service = useSignInService(signIn?.url);
  const chosen = choose.isPending ? choose.variables : undefined;
  return (
    <section className="first-run" data-testid="first-run">
      <h1 className="page-title">Welcome to Evergreen</h1>
      <p>
        Evergreen keeps your Instagram accounts connected by renewing their access before it runs out. How would you like
        to start?
      </p>
      <div className="choices">
        <div className="choice" data-testid="choice-real">
          <Button
            variant="primary"
            disabled={!signIn || choose.isPending}
            busy={chosen === 'real'}
            aria-describedby={realId}
            onClick={() => choose.mutate('real')}
            data-testid="choose-real"
          >
            Connect your Instagram accounts
          </Button>
          <div id={realId} className="choice__text">
            {signIn ? (
              <>
                <p>Use Evergreen with your Business and Creator accounts. You sign in to Instagram in your browser.</p>
                <p>
                  Sign-in service: <ServiceSummary signIn={signIn} />
                </p>
                {service.isError && (
                  <p className="muted">
                    You can still choose this: Evergreen needs the sign-in service only when you connect an account.
                  </p>
                )}
              </>
            ) : (
              <>
                <p>No sign-in service is set up. Ask whoever gave you Evergreen for its address.</p>
                <p className="muted">Meanwhile, you can try the pretend Instagram and add the address later in Settings.</p>
              </>
            )}
          </div>
        </div>
        <div className="choice" data-testid="choice-demo">
          <Button
            disabled={choose.isPending}
            busy={chosen === 'demo'}
            aria-describedby={demoId}
            onClick={() => choose.mutate('demo')}
            data-testid="choose-demo"
          >
            Try Evergreen with a pretend Instagram
          </Button>
          <div id={demoId} className="choice__text">
            <p>
              Look around with pretend accounts on this computer. Nothing you do here reaches Instagram, and pretend
              accounts stay separate from real ones.
            </p>
            <p className="muted">You can switch to your real accounts later in Settings.</p>
          </div>
        </div>
      </div>
      {choose.isPending && (
        <p className="muted" role="status">
          {chosen === 'real' ? 'Opening Evergreen for your real accounts…' : 'Opening the pretend Instagram…'}
        </p>
      )}
      {choose.isError && (
        <Banner tone="danger" title="Couldn't continue" data-testid="choose-error">
          {IpcError.from(choose.error).message}
        </Banner>
      )}
      <ConfigProblems problems={info.data?.configProblems ?? []} />
    </section>
  );
}
