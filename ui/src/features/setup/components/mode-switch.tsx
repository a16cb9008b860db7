import { useId, useState } from 'react';

import { Banner } from '@/components/ui/banner';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Dialog } from '@/components/ui/dialog';
import { type AppInfo, useAppInfo } from '@/lib/app-info';
import { IpcError } from '@/lib/ipc';

import { useChooseMode } from '../api/choose-mode';

/** Settings → switch between the real accounts and the pretend Instagram. */
export function ModeSwitch({ onSwitched }: { onSwitched?: (info: AppInfo) => void }) {
  const info = useAppInfo();
  const choose = useChooseMode({ onSuccess: onSwitched });
  const [confirming, setConfirming] = useState(false);
  const whyId = useId();
  if (!info.data) return null;
  const demo = info.data.mode === 'demo';
  const noService = !info.data.signIn;
  return (
    <Card title="Real or pretend Instagram" data-testid="mode-switch" data-mode={info.data.mode}>
      <div className="stack">
        {demo ? (
          <>
            <p>
              You are trying Evergreen with a pretend Instagram. Your pretend accounts stay in the demo; your real ones
              are kept apart.
            </p>
            <p className="muted">
              Each side has its own vault. Switching back shows your real accounts as you left them; if their vault is
              locked, Evergreen asks for its passphrase, or helps you create it.
            </p>
            <div>
              <Button
                variant="primary"
                disabled={noService}
                busy={choose.isPending}
                aria-describedby={noService ? whyId : undefined}
                onClick={() => choose.mutate('real')}
                data-testid="use-real"
              >
                Use my real Instagram accounts
              </Button>
            </div>
            {noService && (
              <p id={whyId} className="muted" data-testid="use-real-why">
                Your real accounts connect through a sign-in service, and none is set up yet. Add its address under
                Sign-in service on this page first.
              </p>
            )}
          </>
        ) : (
          <>
            <p>Evergreen is using your real Instagram accounts.</p>
            <p className="muted">
              You can try Evergreen with a pretend Instagram on this computer. Nothing there reaches Instagram, and your
              real accounts stay as they are.
            </p>
            <p className="callout" role="note">
              While the pretend Instagram is open, Evergreen keeps renewing your real accounts in the background and
              warns you if one needs you. Come back here to switch back.
            </p>
            <div>
              <Button busy={choose.isPending} onClick={() => setConfirming(true)} data-testid="use-demo">
                Try the pretend Instagram
              </Button>
            </div>
          </>
        )}
        {!confirming && <SwitchError error={choose.error} />}
      </div>
      {confirming && (
        <Dialog
          title="Switch to the pretend Instagram?"
          onClose={() => {
            choose.reset();
            setConfirming(false);
          }}
          data-testid="mode-switch-dialog"
          actions={
            <>
              <Button
                onClick={() => {
                  choose.reset();
                  setConfirming(false);
                }}
              >
                Cancel
              </Button>
              <Button
                variant="primary"
                busy={choose.isPending}
                onClick={() => choose.mutate('demo')}
                data-testid="use-demo-confirm"
              >
                Switch to the pretend Instagram
              </Button>
            </>
          }
        >
          <p>
            Your real accounts stay connected: Evergreen keeps renewing them in the background while you try the
            pretend Instagram, and warns you if one needs you.
          </p>
          <p className="muted">
            The pretend Instagram has its own vault: Evergreen asks for its passphrase, or helps you create one.
          </p>
          <SwitchError error={choose.error} />
        </Dialog>
      )}
    </Card>
  );
}

function SwitchError({ error }: { error: Error | null }) {
  if (!error) return null;
  return (
    <Banner tone="danger" title="Couldn't switch" data-testid="mode-switch-error">
      {IpcError.from(error).message}
    </Banner>
  );
}
