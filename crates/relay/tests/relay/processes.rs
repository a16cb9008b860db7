//! Replicas as the operator runs them: `evergreen-relay` processes on one Redis, one of them
//! killed (`SIGKILL`, as a crash or an OOM kill does) in the middle of a sign-in and started
//! again. Nothing a sign-in needs lived in the process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{HANDOFF_KEY, PUBLIC, Relay, Store, challenge_of, link_params};

/// One `evergreen-relay` process, and where it listens.
struct Replica {
    child: Child,
    base: String,
}

impl Replica {
    /// Start one on `relay`'s sandbox and Redis, listening on a port of its own.
    fn start(relay: &mut Relay) -> Self {
        let config = relay.state.config.clone();
        let sandbox = relay.sandbox.url().to_string();
        let mut child = Command::new(env!("CARGO_BIN_EXE_evergreen-relay"))
            .env_clear()
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .env("RELAY_LISTEN", "127.0.0.1:0")
            .env("RELAY_PUBLIC_URL", PUBLIC)
            .env("INSTAGRAM_CLIENT_ID", &config.client_id)
            .env("INSTAGRAM_CLIENT_SECRET", config.client_secret.expose())
            .env("INSTAGRAM_WWW_URL", &sandbox)
            .env("INSTAGRAM_API_URL", &sandbox)
            .env("INSTAGRAM_GRAPH_URL", &sandbox)
            .env("RELAY_REDIS_URL", relay.redis().url())
            .env("RELAY_HANDOFF_KEY", HANDOFF_KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the relay binary starts");
        // Its log is read on threads of their own (a full pipe would block it), and where it
        // listens is waited for with a time limit, never on the test's runtime.
        let (said, heard) = std::sync::mpsc::channel::<String>();
        for output in [
            Box::new(child.stdout.take().expect("piped")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("piped")),
        ] {
            let said = said.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(output).lines().map_while(Result::ok) {
                    let _ = said.send(line);
                }
            });
        }
        let mut log = Vec::new();
        let address = loop {
            let line = heard
                .recv_timeout(std::time::Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("the relay did not say where it listens:\n{}", log.join("\n")));
            if line.contains("relay listening")
                && let Some(address) = line.split_whitespace().find_map(|w| w.strip_prefix("address="))
            {
                break address.to_string();
            }
            log.push(line);
        };
        Self { child, base: format!("http://{address}") }
    }

    /// Gone at once, as a crash is.
    fn kill(mut self) {
        self.child.kill().expect("kill the relay");
        self.child.wait().expect("reap the relay");
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let answer =
            reqwest::Client::new().post(format!("{}{path}", self.base)).json(&body).send().await.unwrap();
        let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    async fn callback(&self, code: &str, state: &str) -> String {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let answer =
            client.get(format!("{}/v1/callback?code={code}&state={state}", self.base)).send().await.unwrap();
        answer.text().await.unwrap()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_replica_killed_mid_sign_in_and_started_again_loses_nothing() {
    let mut relay = Relay::new(Store::Redis).await;
    let a = Replica::start(&mut relay);
    let b = Replica::start(&mut relay);
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-a-longer-one-for-the-test";
    let (status, session) = a
        .post(
            "/v1/sessions",
            json!({"code_challenge": challenge_of(verifier), "code_challenge_method": "S256"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let state = session["state"].as_str().unwrap().to_string();
    // A dies with the sign-in under way; the person comes back through B.
    a.kill();
    let code = relay.code_for("studio.ama", &["instagram_business_basic"]);
    let page = b.callback(&code, &state).await;
    let start = page.find("app.evergreen:").expect("the return page links back to the app");
    let link = &page[start..start + page[start..].find('"').unwrap()].replace("&amp;", "&");
    let handoff = link_params(link)["handoff"].clone();
    // A is started again and redeems what B stored.
    let a_again = Replica::start(&mut relay);
    let (status, token) =
        a_again.post("/v1/handoff", json!({"handoff": handoff, "code_verifier": verifier})).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["username"], "studio.ama");
    // Once: B cannot hand it over again.
    let (again, _) = b.post("/v1/handoff", json!({"handoff": handoff, "code_verifier": verifier})).await;
    assert_eq!(again, StatusCode::GONE);
}
