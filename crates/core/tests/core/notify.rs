//! Notifications over 90 simulated days with scripted trouble: exactly which, in order, and
//! none repeated across a restart.

use std::time::Duration;

use evergreen_core::account::AccountStatus;
use evergreen_core::store::EventKind;
use evergreen_sandbox::{Fault, FaultKind};

use crate::support::{Fleet, Recorder};

const DAY: Duration = Duration::from_secs(86_400);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ninety_days_of_trouble_give_exactly_these_notifications() {
    let sent = Recorder::default();
    let mut f = Fleet::with_notifier(sent.clone()).await;
    let brand = f.connect("brand");
    let studio = f.connect("studio");
    f.start().await;

    // Day 5: Instagram puts @studio behind a checkpoint; the user clears it on day 7.
    f.run_for(5 * DAY).await;
    f.sandbox.world().update_account(&studio.network_user_id, |a| a.checkpoint = true);
    f.run_for(2 * DAY).await;
    f.sandbox.world().update_account(&studio.network_user_id, |a| a.checkpoint = false);

    // Day 10: @brand's password changes at Instagram; the user reconnects on day 12.
    f.run_for(3 * DAY).await;
    f.sandbox.world().revoke(&brand.network_user_id, 460);
    f.run_for(2 * DAY).await;
    assert_eq!(f.account(brand.id).status, AccountStatus::NeedsReconnect);
    f.reconnect(&brand.network_user_id, "brand");

    // Day 15: the vault is locked for three days while renewals come due.
    f.run_for(3 * DAY).await;
    f.core.lock().await.unwrap();
    f.run_for(3 * DAY).await;
    let before = f.clock.sleeps_started();
    f.core.unlock(crate::support::pass(crate::support::PASS)).await.unwrap();
    f.settle_after(before).await;

    // Day 18: refreshes of @brand start failing, for good.
    f.sandbox.world().add_fault(Fault::new(FaultKind::Http500, 1_000_000).on("refresh"));
    f.run_for(50 * DAY).await;
    let warned = sent.lines().len();

    // Day 68: Evergreen restarts; nothing already said is said again.
    f.restart(sent.clone()).await;
    assert_eq!(sent.lines().len(), warned, "a restart repeats nothing");
    f.run_for(22 * DAY).await;

    // On the desktop: both accounts reaching the same point in one sweep share one
    // notification.
    assert_eq!(
        sent.lines(),
        [
            "needs_instagram_login: @studio: log in on Instagram",
            "needs_reconnect: @brand needs Reconnect",
            "vault_locked: Evergreen is locked",
            "expires_soon: 2 accounts' Instagram access ends soon",
            "expires_very_soon: 2 accounts' Instagram access ends soon",
            "needs_reconnect: 2 accounts need reconnecting",
        ]
    );
    // Once per account and token generation all the same: the audit trail names each.
    let notified: Vec<String> = f
        .core
        .store()
        .read(|r| r.events(100_000, None))
        .unwrap()
        .into_iter()
        .rev()
        .filter(|e| e.event.kind == EventKind::Notified)
        .map(|e| e.event.detail)
        .collect();
    assert_eq!(
        notified,
        [
            "Notified: @studio: log in on Instagram",
            "Notified: @brand needs Reconnect",
            "Notified: Evergreen is locked",
            "Notified: @brand: Instagram access ends Mon 18 May",
            "Notified: @studio: Instagram access ends Mon 18 May",
            "Notified: @brand: Instagram access ends Mon 18 May",
            "Notified: @studio: Instagram access ends Mon 18 May",
            "Notified: @brand needs Reconnect",
            "Notified: @studio needs Reconnect",
        ]
    );
}
