//! Write screenshots of the app's pages to `docs/screenshots/` (or the directory given as
//! the first argument). Run through `scripts/screenshots.sh`.

use std::path::PathBuf;

use evergreen_e2e::Session;

#[tokio::main]
async fn main() {
    let out = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| "docs/screenshots".into());
    let app = Session::start().await;
    app.find("[data-testid=instagram-card]").await;
    app.screenshot(&out.join("integrations-not-connected.png")).await;
    app.go("/dashboard").await;
    app.find("[data-testid=dashboard-empty]").await;
    app.screenshot(&out.join("dashboard-empty.png")).await;
    app.close().await;
    println!("screenshots written to {}", out.display());
}
