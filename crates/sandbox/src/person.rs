//! A test person with a browser: what tests and demos use to play the human part of the
//! connect flow against the sandbox's consent page, over HTTP, from in or out of process.
//!
//! It opens the login URL's form as a browser would post it, follows the redirect back to the
//! app's server (the relay, whatever it is), and reads the `app.evergreen:` link that page
//! offers in its `data-deep-link` attribute.

use std::collections::HashMap;

use url::Url;

/// What the person does on the consent page.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Pick `username` and allow, keeping `granted` permissions (all requested when `None`).
    Allow {
        /// The account to log in as.
        username: String,
        /// Permissions left ticked.
        granted: Option<Vec<String>>,
    },
    /// Press Cancel.
    Cancel,
}

impl Decision {
    /// Allow as `username` with every requested permission.
    pub fn allow(username: &str) -> Self {
        Self::Allow { username: username.into(), granted: None }
    }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// Decide on the consent page of `authorize_url`; return the page the app's server answered
/// the redirect with.
pub async fn decide(authorize_url: &str, decision: &Decision) -> Result<String, String> {
    let url = Url::parse(authorize_url).map_err(|e| format!("not a URL: {e}"))?;
    let params: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let http = client();
    let mut form: Vec<(String, String)> = params.clone().into_iter().collect();
    match decision {
        Decision::Cancel => form.push(("decision".into(), "cancel".into())),
        Decision::Allow { username, granted } => {
            let accounts: serde_json::Value = http
                .get(url.join("/_sandbox/accounts").map_err(|e| e.to_string())?)
                .send()
                .await
                .map_err(|e| format!("sandbox: {e}"))?
                .json()
                .await
                .map_err(|e| format!("sandbox: {e}"))?;
            let user_id = accounts
                .as_array()
                .and_then(|all| all.iter().find(|a| a["username"] == username.as_str()))
                .and_then(|a| a["user_id"].as_str())
                .ok_or_else(|| format!("no sandbox account @{username}"))?;
            form.push(("account".into(), user_id.into()));
            let requested: Vec<String> =
                params.get("scope").map_or_else(Vec::new, |s| s.split(',').map(String::from).collect());
            for scope in granted.clone().unwrap_or(requested) {
                form.push(("granted".into(), scope));
            }
            form.push(("decision".into(), "allow".into()));
        }
    }
    let mut post_to = url.clone();
    post_to.set_query(None);
    let answer = http.post(post_to).form(&form).send().await.map_err(|e| format!("consent: {e}"))?;
    let location = answer
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or_else(|| format!("the consent page answered {} without a redirect", answer.status()))?
        .to_string();
    // A browser never sends the fragment (Instagram's `#_`).
    let back = location.split('#').next().unwrap_or_default().to_string();
    let page = http.get(&back).send().await.map_err(|e| format!("back to the app's server: {e}"))?;
    page.text().await.map_err(|e| e.to_string())
}

/// The `app.evergreen:` link a return page offers, if any.
pub fn deep_link_in(page: &str) -> Option<String> {
    let start = page.find("data-deep-link=\"")? + "data-deep-link=\"".len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'"))
}

/// Decide, and return the deep link the browser would hand to the app.
pub async fn sign_in(authorize_url: &str, decision: &Decision) -> Result<String, String> {
    let page = decide(authorize_url, decision).await?;
    deep_link_in(&page).ok_or_else(|| format!("no deep link on the page: {page}"))
}
