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

#[test]
fn the_sample_config_documents_redis_and_runs_on_it_with_the_key_from_the_environment() {
    let text = std::fs::read_to_string(packaging("relay.toml")).unwrap();
    // The commented settings, switched on as an operator would.
    let on_redis: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(setting) if setting.starts_with("redis_") && setting.contains(" = ") => setting,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(on_redis.contains("\nredis_url = \"redis+unix:///run/redis/redis.sock\""), "{on_redis}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("relay.toml");
    std::fs::write(&file, on_redis).unwrap();
    let secret = std::fs::read_to_string(packaging("secret.env")).unwrap();
    assert!(secret.lines().any(|l| l == "# RELAY_HANDOFF_KEY="), "secret.env names the key");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_evergreen-relay"))
        .args(["--config", file.to_str().unwrap(), "check"])
        .env("INSTAGRAM_CLIENT_SECRET", "not-the-real-one")
        .env("RELAY_HANDOFF_KEY", crate::support::HANDOFF_KEY)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("in Redis at redis+unix:///run/redis/redis.sock"), "{text}");
    let without_key = std::process::Command::new(env!("CARGO_BIN_EXE_evergreen-relay"))
        .args(["--config", file.to_str().unwrap(), "check"])
        .env("INSTAGRAM_CLIENT_SECRET", "not-the-real-one")
        .env_remove("RELAY_HANDOFF_KEY")
        .output()
        .unwrap();
    assert_eq!(without_key.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&without_key.stderr).contains("RELAY_HANDOFF_KEY"));
}

#[test]
fn the_sample_redis_conf_keeps_nothing_on_disk_and_never_evicts() {
    // Debian's redis-server reads it (paths of this test's own), and says what it took.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("redis.sock");
    let mut server = std::process::Command::new("redis-server")
        .arg(packaging("redis.conf"))
        .args(["--port", "0", "--unixsocket"])
        .arg(&socket)
        .arg("--dir")
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server");
    let url = format!("redis+unix://{}", socket.display());
    let started = std::time::Instant::now();
    let mut connection = loop {
        if let Ok(c) = redis::Client::open(url.as_str()).and_then(|c| c.get_connection()) {
            break c;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "redis-server did not start on the sample"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let get = |connection: &mut redis::Connection, key: &str| -> String {
        let pair: Vec<String> = redis::cmd("CONFIG").arg("GET").arg(key).query(connection).unwrap();
        pair[1].clone()
    };
    assert_eq!(get(&mut connection, "save"), "");
    assert_eq!(get(&mut connection, "appendonly"), "no");
    assert_eq!(get(&mut connection, "maxmemory-policy"), "noeviction");
    assert_eq!(get(&mut connection, "maxmemory"), (256u64 << 20).to_string());
    assert_eq!(get(&mut connection, "protected-mode"), "yes");
    let _ = server.kill();
    let _ = server.wait();
    let unit = std::fs::read_to_string(packaging("evergreen-relay.service")).unwrap();
    assert!(
        unit.lines().any(|l| l.starts_with("RestrictAddressFamilies=") && l.contains("AF_UNIX")),
        "the socket is reachable"
    );
    assert!(
        !unit.lines().any(|l| l.starts_with("Requires=") || l.starts_with("SupplementaryGroups=")),
        "runs without Redis installed"
    );
}

#[test]
fn the_sample_config_documents_threads_and_its_secret_comes_from_the_environment_only() {
    let text = std::fs::read_to_string(packaging("relay.toml")).unwrap();
    let with_threads = text.replace("# threads_client_id = ", "threads_client_id = ");
    assert_ne!(with_threads, text, "relay.toml documents threads_client_id");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("relay.toml");
    std::fs::write(&file, &with_threads).unwrap();
    let run = |env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_evergreen-relay"));
        command.args(["--config", file.to_str().unwrap(), "check"]).env_clear();
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let without = run(&[("INSTAGRAM_CLIENT_SECRET", "not-the-real-one")]);
    assert_eq!(without.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&without.stderr).contains("THREADS_CLIENT_SECRET"));
    let with = run(&[("INSTAGRAM_CLIENT_SECRET", "not-the-real-one"), ("THREADS_CLIENT_SECRET", "nor-this")]);
    let report = String::from_utf8_lossy(&with.stdout);
    assert!(with.status.success(), "{report}{}", String::from_utf8_lossy(&with.stderr));
    assert!(report.contains("https://relay.example.com/v1/callback/threads"), "{report}");
    assert!(!report.contains("nor-this"), "the secret is never printed");
    // The secret in the file is refused, naming the variable instead.
    std::fs::write(&file, format!("{with_threads}\nthreads_client_secret = \"nor-this\"\n")).unwrap();
    let refused = run(&[("INSTAGRAM_CLIENT_SECRET", "not-the-real-one")]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && said.contains("THREADS_CLIENT_SECRET") && !said.contains("nor-this"),
        "{said}"
    );
}
