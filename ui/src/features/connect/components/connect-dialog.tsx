import { useEffect, useRef, useState } from 'react';

import { Banner } from '@/components/ui/banner';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import type { Network } from '@/lib/accounts';
import { IpcError } from '@/lib/ipc';
import { NETWORKS } from '@/lib/networks';

import { type ConnectStarted, type Purpose, pastedLinkSchema, useCancelConnect, useReopenConnect, useStartConnect, useSubmitLink } from '../api/connect-flow';
import { useDismissLinkNotice } from '../api/dismiss-link-notice';
import { type LinkNotice, useLinkNotices } from '../api/get-link-notices';

/** How long the relay and the app wait for the browser (the backend's flow lifetime). */
const FLOW_MINUTES = 10;

type Props = {
  /** The network to sign in to (a reconnect's is its account's). */
  network?: Network;
  purpose: Purpose;
  accountId?: string;
  username?: string;
  onClose: () => void;
  onConnected: (notice: LinkNotice) => void;
};

function outcomeOf(notices: LinkNotice[], state: string): LinkNotice | undefined {
  const ours = notices.filter((n) => n.state === state);
  return ours.find((n) => n.kind === 'connected') ?? ours.at(-1);
}

function title(purpose: Purpose, name: string, username?: string) {
  if (purpose === 'reconnect') return username ? `Reconnect @${username}` : `Reconnect ${name}`;
  return purpose === 'add' ? `Connect another ${name} account` : `Connect ${name}`;
}

/**
 * The browser sign-in, from "before" to "back": explain, open the browser, wait (with the
 * page again, the link to copy, a link to paste), and report how it ended in this dialog.
 */
export function ConnectDialog({ network = 'instagram', purpose, accountId, username, onClose, onConnected }: Props) {
  const { name, whoCanConnect } = NETWORKS[network];
  const [flow, setFlow] = useState<ConnectStarted | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [expired, setExpired] = useState(false);
  const [backHint, setBackHint] = useState(false);
  const [pasted, setPasted] = useState('');
  const [pasteError, setPasteError] = useState<string>();
  const [copied, setCopied] = useState<'yes' | 'select' | null>(null);
  const linkInput = useRef<HTMLInputElement>(null);
  const start = useStartConnect();
  const reopen = useReopenConnect();
  const cancel = useCancelConnect();
  const submit = useSubmitLink();
  const { mutate: dismissNotice } = useDismissLinkNotice();
  const notices = useLinkNotices();

  // The outcome arrives as a notice for our flow's state. A failure link does not end the
  // flow (the browser may still bring the good one), so a success wins over any failure
  // before it, and otherwise the latest failure speaks.
  const outcome = flow ? outcomeOf(notices.data ?? [], flow.state) : undefined;
  const failed = outcome && outcome.kind !== 'connected' ? outcome : undefined;
  useEffect(() => {
    if (outcome?.kind === 'connected') onConnected(outcome);
  }, [outcome, onConnected]);

  useEffect(() => {
    if (!flow) return;
    const expiry = window.setTimeout(() => setExpired(true), FLOW_MINUTES * 60_000);
    const onFocus = () => setBackHint(true);
    window.addEventListener('focus', onFocus);
    return () => {
      window.clearTimeout(expiry);
      window.removeEventListener('focus', onFocus);
    };
  }, [flow]);

  function begin() {
    if (failed) dismissNotice(failed.id);
    setFlow(null);
    setError(null);
    setExpired(false);
    setBackHint(false);
    start.mutate(
      { purpose, accountId, network },
      {
        onSuccess: (started) => {
          setFlow(started);
          if (!started.browserOpened) setError("Evergreen couldn't open your browser. Copy the link below into your browser.");
        },
        onError: (e) => setError(IpcError.from(e).message),
      },
    );
  }

  function close() {
    if (failed) dismissNotice(failed.id);
    else if (flow) cancel.mutate(flow.state);
    onClose();
  }

  async function copy() {
    if (!flow) return;
    try {
      await navigator.clipboard.writeText(flow.authorizeUrl);
      setCopied('yes');
    } catch {
      linkInput.current?.select();
      setCopied('select');
    }
  }

  function usePasted() {
    const parsed = pastedLinkSchema.safeParse(pasted);
    if (!parsed.success) {
      setPasteError(parsed.error.issues[0]?.message);
      return;
    }
    setPasteError(undefined);
    // A link that answers no sign-in of ours is refused here, in the field, not as a banner.
    submit.mutate(parsed.data, { onError: (e) => setPasteError(IpcError.from(e).message) });
  }

  const waiting = flow !== null && !failed && !expired;
  const problem = failed?.message ?? error;
  return (
    <Dialog
      title={title(purpose, name, username)}
      onClose={close}
      data-testid="connect-dialog"
      actions={
        waiting ? (
          <Button onClick={close} data-testid="connect-cancel">
            Cancel
          </Button>
        ) : (
          <>
            <Button onClick={close}>Cancel</Button>
            <Button variant="primary" onClick={begin} busy={start.isPending} data-testid="connect-continue">
              {problem || expired ? 'Start again' : 'Continue in browser'}
            </Button>
          </>
        )
      }
    >
      {problem && (
        <Banner tone="warning" title="Not connected" data-testid="connect-error" data-code={failed?.code ?? undefined}>
          {problem}
        </Banner>
      )}
      {expired && (
        <Banner tone="warning" title="This sign-in expired" data-testid="connect-expired">
          {name} didn&apos;t send you back within {FLOW_MINUTES} minutes. Start again when you&apos;re ready.
        </Banner>
      )}
      {!waiting ? (
        <>
          <p>
            You&apos;ll sign in to {name} in your browser, and it will send you back to Evergreen. If your browser asks
            for permission to open Evergreen, allow it.
          </p>
          <ul className="checklist">
            <li>If your browser is logged in to a different {name} account, log out there first.</li>
            {whoCanConnect && <li>{whoCanConnect}</li>}
          </ul>
        </>
      ) : (
        <div className="waiting" data-testid="connect-waiting" aria-live="polite">
          <p className="waiting__status">
            <span className="spinner" aria-hidden="true" /> Waiting for {name} in your browser…
          </p>
          {backHint && (
            <p className="muted" data-testid="connect-back-hint">
              Back from the browser? If Evergreen didn&apos;t open, click <strong>Open Evergreen</strong> on that page, or
              try again.
            </p>
          )}
          <div className="waiting__actions">
            <Button onClick={() => reopen.mutate(flow.state)} busy={reopen.isPending}>
              Open the page again
            </Button>
            <Button onClick={() => void copy()}>Copy link</Button>
          </div>
          <input
            ref={linkInput}
            className="field__input waiting__url"
            readOnly
            value={flow.authorizeUrl}
            aria-label="Sign-in page address"
          />
          {copied === 'yes' && <p className="muted">Copied. Paste it into the browser that has the right {name} login.</p>}
          {copied === 'select' && <p className="muted">The address is selected: press Ctrl+C to copy it.</p>}
          <Field
            label="Did your browser show a link starting with app.evergreen:? Paste it here."
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
            error={pasteError}
            autoComplete="off"
            data-testid="paste-link"
          />
          <Button onClick={usePasted} busy={submit.isPending} data-testid="paste-submit">
            Use this link
          </Button>
        </div>
      )}
    </Dialog>
  );
}
