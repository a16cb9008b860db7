//! The files the relay package installs: the sample configuration must run as shipped (with
//! the secret from the environment file), and the unit must start the binary on it.

use std::path::Path;

use evergreen_relay::Args;
use evergreen_relay::config::Settings;

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
        settings: Settings { client_secret: Some(secret.to_string()), ..Settings::default() },
        ..Args::default()
    }
    .resolve()
    .expect("the sample config runs");
    assert_eq!(config.redirect_uri(), "https://relay.example.com/v1/callback");
    assert!(config.listen.ip().is_loopback(), "behind a proxy, never on a public address");
    assert_eq!(config.trusted_proxies, 1, "one reverse proxy");
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
        "LimitCORE=0",
    ] {
        assert!(unit.lines().any(|l| l == line), "missing {line}");
    }
}

#[test]
fn check_prints_the_redirect_uri_of_the_packaged_config() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_evergreen-relay"))
        .args(["--config", packaging("relay.toml").to_str().unwrap(), "check"])
        .env("INSTAGRAM_CLIENT_SECRET", "not-the-real-one")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("  https://relay.example.com/v1/callback\n"), "{text}");
    assert!(text.contains("https (good)"), "{text}");
}

#[test]
fn a_config_error_never_prints_the_file() {
    let dir = std::env::temp_dir().join(format!("relay-packaging-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "public_url = \"https://relay.example.com\"\nclient_id = s3cr3t-in-the-wrong-place\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_evergreen-relay"))
        .args(["--config", file.to_str().unwrap(), "check"])
        .env("INSTAGRAM_CLIENT_SECRET", "x")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(text.contains("line 2, column"), "{text}");
    assert!(!text.contains("s3cr3t-in-the-wrong-place"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}
