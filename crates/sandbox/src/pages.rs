//! The sandbox's HTML: the login/consent page and error pages. Plain HTML forms, so a test
//! can play the browser with two HTTP requests.

use std::collections::HashMap;

use crate::oauth::Authorize;
use crate::world::{AccountType, Network, World};

/// Escape text for HTML.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#fafafa;color:#262626;margin:0}
main{max-width:420px;margin:48px auto;background:#fff;border:1px solid #dbdbdb;border-radius:12px;padding:28px}
h1{font-size:1.3rem;margin:0 0 4px}.sub{color:#737373;margin:0 0 20px}
label.acct{display:flex;gap:10px;align-items:center;padding:10px;border:1px solid #dbdbdb;border-radius:8px;margin:8px 0}
.kind{color:#737373;font-size:.85rem}.perm{display:block;margin:6px 0}
.actions{display:flex;gap:10px;margin-top:20px}button{flex:1;font:inherit;font-weight:600;padding:10px;border-radius:8px;border:1px solid #dbdbdb;background:#fff}
button[value=allow]{background:#0095f6;color:#fff;border-color:#0095f6}.note{background:#fff8e1;padding:8px 10px;border-radius:8px;font-size:.9rem}
.badge{font-size:.75rem;background:#efefef;border-radius:4px;padding:2px 6px;margin-left:6px}";

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

/// The consent page: pick an account, keep or drop optional permissions, Allow or Cancel.
pub fn authorize(world: &World, request: &Authorize, params: &HashMap<String, String>) -> String {
    let (site, wanted) = match request.network {
        Network::Instagram => ("Instagram", "your Instagram professional account"),
        Network::Threads => ("Threads", "your Threads profile"),
    };
    let app = world.app_of(request.network).map_or("", |app| app.name.as_str());
    let mut body = format!(
        "<h1>Sandbox {site}</h1><p class=\"sub\"><strong>{}</strong> wants to connect to {wanted}.</p>",
        escape(app)
    );
    if request.force {
        body.push_str(
            "<p class=\"note\">Log in again: this app asked Instagram to forget who was logged in.</p>",
        );
    }
    body.push_str("<form method=\"post\" action=\"authorize\">");
    for name in [
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "force_authentication",
        "enable_fb_login",
    ] {
        if let Some(value) = params.get(name) {
            body.push_str(&format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(value)));
        }
    }
    let accounts: Vec<_> = world.accounts().into_iter().filter(|a| a.network == request.network).collect();
    for (i, account) in accounts.iter().enumerate() {
        let kind = match (account.network, account.account_type) {
            (Network::Threads, _) => "Threads",
            (_, AccountType::Business) => "Business",
            (_, AccountType::MediaCreator) => "Creator",
            (_, AccountType::Personal) => "Personal",
        };
        let checked = if i == 0 && !request.force { " checked" } else { "" };
        body.push_str(&format!(
            "<label class=\"acct\"><input type=\"radio\" name=\"account\" value=\"{}\" data-username=\"{}\"{checked}> <span>@{}<span class=\"badge\">{kind}</span><br><span class=\"kind\">{}</span></span></label>",
            escape(&account.user_id),
            escape(&account.username),
            escape(&account.username),
            escape(&account.name),
        ));
    }
    body.push_str("<p class=\"sub\">Permissions</p>");
    for scope in &request.scopes {
        body.push_str(&format!(
            "<label class=\"perm\"><input type=\"checkbox\" name=\"granted\" value=\"{0}\" checked> {0}</label>",
            escape(scope)
        ));
    }
    body.push_str(
        "<div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button></div></form>",
    );
    shell("Log in · Sandbox Instagram", &body)
}

/// An error page, as Instagram shows for a bad client id or redirect URI.
pub fn error(title: &str, detail: &str) -> String {
    shell(title, &format!("<h1>{}</h1><p>{}</p>", escape(title), escape(detail)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(super::escape("<b>\"x\" & 'y'</b>"), "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;");
    }
}
