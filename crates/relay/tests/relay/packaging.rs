//! The files the relay package installs: the sample configuration must run as shipped (with
//! the secret from the environment file), and the unit must start the binary on it.

use std::path::Path;

use evergreen_relay::Args;

fn packaging(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/relay").join(file)
}

#[test]
fn the_sample_config_resolves_with_the_secret_from_the_environment_file() {
    let secret = std::fs::read_to_string(packaging("secret.env")).unwrap();
    let secret = secret
        .lines()
        .find_map(|l| l.strip_prefix("INSTAGRAM_CLIENT_SECRET="))
        .expect("the environment file sets the secret");
    let config = Args {
        config: Some(packaging("relay.toml")),
        client_secret: Some(secret.to_string()),
        ..Args::default()
    }
    .resolve()
    .expect("the sample config runs");
    assert_eq!(config.redirect_uri(), "https://relay.example.com/v1/callback");
    assert!(config.listen.ip().is_loopback(), "behind a proxy, never on a public address");
    assert!(config.trust_forwarded_for);
}

#[test]
fn the_sample_config_holds_no_secret() {
    let text = std::fs::read_to_string(packaging("relay.toml")).unwrap();
    assert!(!text.lines().any(|l| l.trim_start().starts_with("client_secret")), "{text}");
    let missing = Args { config: Some(packaging("relay.toml")), ..Args::default() }.resolve();
    assert!(missing.unwrap_err().to_string().contains("INSTAGRAM_CLIENT_SECRET"));
}

#[test]
fn the_unit_runs_the_packaged_binary_on_the_packaged_config_unprivileged() {
    let unit = std::fs::read_to_string(packaging("evergreen-relay.service")).unwrap();
    for line in [
        "ExecStart=/usr/bin/evergreen-relay --config /etc/evergreen-relay/relay.toml",
        "EnvironmentFile=/etc/evergreen-relay/secret.env",
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
    ] {
        assert!(unit.lines().any(|l| l == line), "missing {line}");
    }
}
