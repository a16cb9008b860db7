import { useState, type FormEvent } from 'react';

import { Banner } from '@/components/ui/banner';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { IpcError } from '@/lib/ipc';

import { type Policy, policySchema, useSetRefreshPolicy, useSettings } from '../api/settings';

type Draft = Record<keyof Policy, string>;

const FIELDS: { key: keyof Policy; label: string; hint: string }[] = [
  { key: 'refreshAfterHours', label: 'Renew a token once it is this many hours old', hint: 'Instagram refuses under 24 hours. Default 48.' },
  { key: 'warnFirstDays', label: 'First warning, days before expiry', hint: 'Only while renewals fail. Default 7.' },
  { key: 'warnLastHours', label: 'Last warning, hours before expiry', hint: 'Default 24.' },
  { key: 'maxConcurrency', label: 'Accounts renewed at once', hint: 'Default 4.' },
  { key: 'backoffBaseSecs', label: 'First retry after a failure, seconds', hint: 'Doubles after each failure. Default 60.' },
  { key: 'backoffCapMinutes', label: 'Longest wait between retries, minutes', hint: 'Default 60.' },
];

function toDraft(p: Policy): Draft {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)])) as Draft;
}

/** The refresh policy, validated as you save, with the reason next to each field. */
export function RefreshPolicyForm() {
  const settings = useSettings();
  if (settings.isPending) return <p className="muted" role="status">Loading settings…</p>;
  if (settings.isError) {
    return (
      <Banner tone="danger" title="Couldn't load settings">
        {IpcError.from(settings.error).message}
      </Banner>
    );
  }
  return <PolicyForm initial={settings.data.refreshPolicy} />;
}

function PolicyForm({ initial }: { initial: Policy }) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(initial));
  const [errors, setErrors] = useState<Partial<Record<keyof Policy, string>>>({});
  const save = useSetRefreshPolicy();

  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = policySchema.safeParse(draft);
    if (!parsed.success) {
      const next: Partial<Record<keyof Policy, string>> = {};
      for (const issue of parsed.error.issues) next[issue.path[0] as keyof Policy] ??= issue.message;
      setErrors(next);
      return;
    }
    setErrors({});
    save.mutate(parsed.data);
  }

  return (
    <Card title="Renewals and warnings" data-testid="policy-form">
      <form className="settings-form" onSubmit={submit} noValidate>
        {FIELDS.map((f) => (
          <Field
            key={f.key}
            label={f.label}
            hint={f.hint}
            inputMode="numeric"
            value={draft[f.key]}
            error={errors[f.key]}
            onChange={(e) => setDraft((d) => ({ ...d, [f.key]: e.target.value }))}
            data-testid={`policy-${f.key}`}
          />
        ))}
        {save.isError && (
          <p className="form-error" role="alert">
            {IpcError.from(save.error).message}
          </p>
        )}
        {save.isSuccess && (
          <p className="muted" role="status">
            Saved. Next renewals follow the new settings.
          </p>
        )}
        <div>
          <Button type="submit" variant="primary" busy={save.isPending} data-testid="policy-save">
            Save
          </Button>
        </div>
      </form>
    </Card>
  );
}
