//! Every endpoint, the happy paths and the rules around them.

use chrono::Duration;
use evergreen_instagram::{AuthorizeRequest, ErrorClass, Scope, missing_scopes};
use evergreen_sandbox::ExchangeShape;
use evergreen_sandbox::world::Shapes;

use crate::support::{Fixture, REDIRECT};

#[tokio::test]
async fn the_authorize_url_is_accepted_by_the_login_page() {
    let f = Fixture::new().await;
    let url = f.client.authorize_url(&AuthorizeRequest {
        client_id: &f.app.client_id,
        redirect_uri: REDIRECT,
        scopes: &[Scope::BusinessBasic],
        state: "s1",
        force_authentication: true,
    });
    let page = reqwest::get(url.clone()).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("@evergreen.shop") && html.contains("Log in again"), "{html}");

    let wrong = url.as_str().replace("relay.example.test", "relay.example.test.evil");
    assert_eq!(reqwest::get(wrong).await.unwrap().status(), 400, "a redirect URI must match exactly");
}

#[tokio::test]
async fn a_code_becomes_a_short_lived_then_a_long_lived_token_in_every_answer_shape() {
    let f = Fixture::new().await;
    let world = f.sandbox.world();
    for (shape, listed) in
        [(ExchangeShape::Flat, true), (ExchangeShape::Wrapped, true), (ExchangeShape::Bare, false)]
    {
        world.set_shapes(Shapes { code_exchange: shape, ..world.shapes() });
        let user = f.user_id("evergreen.shop");
        let app_scoped = world.account(&user).unwrap().app_scoped_id;
        assert_ne!(app_scoped, user, "two ids, as Meta has");
        let code = world.issue_code(&user, REDIRECT, vec!["instagram_business_basic".into()]);
        let short = f.client.exchange_code(&f.app, &code).await.unwrap_or_else(|e| panic!("{shape:?}: {e}"));
        assert_eq!(short.user_id, app_scoped, "{shape:?}: the exchange names the app-scoped id");
        if listed {
            assert_eq!(short.permissions.as_deref(), Some(&["instagram_business_basic".to_string()][..]));
            assert!(
                missing_scopes(&[Scope::BusinessBasic], short.permissions.as_deref().unwrap()).is_empty()
            );
        } else {
            assert_eq!(short.permissions, None, "Meta's reference lists none");
        }

        let long = f.client.exchange_long_lived(&f.app.client_secret, &short.token).await.unwrap();
        assert_eq!(long.expires_in.as_secs(), 60 * 86_400);
        let me = f.client.me(&long.token).await.unwrap();
        assert_eq!(me.user_id.0, user, "`/me`'s user_id is the professional id");
        assert_eq!(me.id.map(|i| i.0), Some(app_scoped), "and its id the app-scoped one");
    }
}

#[tokio::test]
async fn a_code_works_once_and_only_with_its_redirect_uri() {
    let f = Fixture::new().await;
    let world = f.sandbox.world();
    let code =
        world.issue_code(&f.user_id("evergreen.shop"), REDIRECT, vec!["instagram_business_basic".into()]);
    let mut wrong_redirect = f.app.clone();
    wrong_redirect.redirect_uri = format!("{REDIRECT}/");
    let e = f.client.exchange_code(&wrong_redirect, &code).await.unwrap_err();
    assert!(e.message.contains("redirect_uri is identical"), "{e}");
    let code =
        world.issue_code(&f.user_id("evergreen.shop"), REDIRECT, vec!["instagram_business_basic".into()]);
    f.client.exchange_code(&f.app, &code).await.unwrap();
    let e = f.client.exchange_code(&f.app, &code).await.unwrap_err();
    assert_eq!(e.message, "This authorization code has been used");
    let mut wrong_secret = f.app.clone();
    wrong_secret.client_secret = evergreen_instagram::ClientSecret::new("nope".into());
    let code =
        world.issue_code(&f.user_id("evergreen.shop"), REDIRECT, vec!["instagram_business_basic".into()]);
    let e = f.client.exchange_code(&wrong_secret, &code).await.unwrap_err();
    assert_eq!(e.message, "Error validating client secret.");
}

#[tokio::test]
async fn ungranted_scopes_are_reported() {
    let f = Fixture::new().await;
    let code = f.sandbox.world().issue_code(
        &f.user_id("studio.ama"),
        REDIRECT,
        vec!["instagram_business_basic".into()],
    );
    let short = f.client.exchange_code(&f.app, &code).await.unwrap();
    assert_eq!(
        missing_scopes(&[Scope::BusinessBasic, Scope::ManageComments], short.permissions.as_deref().unwrap()),
        [Scope::ManageComments]
    );
}

#[tokio::test]
async fn refresh_needs_a_day_old_living_long_lived_token() {
    let f = Fixture::new().await;
    let token = f.long_lived("evergreen.shop");
    let e = f.client.refresh(&token).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::ClientBug, "under 24 h: refused, never a dead token: {e}");

    f.advance(Duration::hours(25));
    let fresh = f.client.refresh(&token).await.unwrap();
    assert_eq!(fresh.expires_in.as_secs(), 60 * 86_400, "valid 60 days from the refresh");
    assert_ne!(fresh.token, token);

    f.advance(Duration::days(61));
    let e = f.client.refresh(&fresh.token).await.unwrap_err();
    assert_eq!(
        e.class,
        ErrorClass::TokenDead { subcode: Some(463) },
        "an expired token can never be refreshed"
    );
    assert!(e.message.contains("Session has expired"), "{e}");
}

#[tokio::test]
async fn a_short_lived_token_cannot_be_refreshed() {
    let f = Fixture::new().await;
    let code = f.sandbox.world().issue_code(
        &f.user_id("evergreen.shop"),
        REDIRECT,
        vec!["instagram_business_basic".into()],
    );
    let short = f.client.exchange_code(&f.app, &code).await.unwrap();
    f.advance(Duration::minutes(30));
    assert_eq!(f.client.refresh(&short.token).await.unwrap_err().class, ErrorClass::ClientBug);
}

#[tokio::test]
async fn me_reports_the_professional_account() {
    let f = Fixture::new().await;
    let me = f.client.me(&f.long_lived("studio.ama")).await.unwrap();
    assert_eq!(me.username, "studio.ama");
    assert_eq!(me.account_type.as_deref(), Some("MEDIA_CREATOR"));
    assert!(me.is_professional());
    assert!(me.profile_picture_url.unwrap().ends_with(".svg"));
    assert!(me.followers_count.is_some() && me.media_count.is_some());
    let app_scoped = me.id.clone().expect("the client asks for the app-scoped id");
    assert_ne!(app_scoped, me.user_id, "the app-scoped and professional ids differ, as Meta's do");
    let personal = f.client.me(&f.long_lived("pat.personal")).await.unwrap();
    assert!(!personal.is_professional(), "a personal account is told apart");
}

#[tokio::test]
async fn media_pages_through_every_post() {
    let f = Fixture::new().await;
    let token = f.long_lived("evergreen.shop");
    let total = f.client.me(&token).await.unwrap().media_count.unwrap();
    let (mut seen, mut after, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let page = f.client.media(&token, after.as_deref(), 5).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 5);
        seen.extend(page.items.into_iter().map(|m| m.id.0));
        match page.after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, total);
    assert!(pages > 1);
    seen.dedup();
    assert_eq!(seen.len() as u64, total, "no post twice");
}
