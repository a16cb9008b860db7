//! The vault in the real app: created once, survives a restart, opens only with its passphrase.

use evergreen_e2e::Session;

use crate::PASS;

#[tokio::test]
async fn a_vault_survives_a_restart_and_opens_only_with_its_passphrase() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    app.find("[data-testid=instagram-card]").await;
    let profile = app.close().await;
    assert!(profile.path().join("vault.stronghold").exists() && profile.path().join("vault.json").exists());

    let app = Session::start_with(profile, &[]).await;
    app.type_into("[data-testid=unlock-vault] [data-testid=passphrase]", "copper lantern meadow viola").await;
    app.click("[data-testid=unlock-submit]").await;
    app.wait_for_text("[data-testid=unlock-vault] [role=alert]", "That passphrase doesn't open this vault")
        .await;
    assert_eq!(app.count("[data-testid=lock]").await, 0, "still locked");

    app.unlock(PASS).await;
    let card = app.wait_for_text("[data-testid=instagram-card]", "Instagram").await;
    assert!(card.contains("Not connected"), "{card}");

    app.click("[data-testid=lock]").await;
    app.find("[data-testid=unlock-vault]").await;
    app.close().await;
}

#[tokio::test]
async fn forgetting_the_passphrase_resets_the_vault_after_a_typed_confirmation() {
    let app = Session::start().await;
    app.create_vault(PASS).await;
    let profile = app.close().await;

    let app = Session::start_with(profile, &[]).await;
    app.click("[data-testid=forgot]").await;
    app.wait_for_text("[data-testid=reset-dialog]", "your saved Instagram connections will be erased").await;
    app.type_into("[data-testid=reset-typed]", "RESET").await;
    app.click("[data-testid=reset-confirm]").await;
    app.find("[data-testid=create-vault]").await;
    assert!(!app.profile().path().join("vault.json").exists(), "the vault is gone from disk");
    app.create_vault("a different passphrase now").await;
    app.close().await;
}
