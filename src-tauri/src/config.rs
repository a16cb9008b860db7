//! The app's configuration, read once in `run()`. Nothing else reads environment variables
//! or configuration files.
//!
//! The sign-in service comes from the first of: the environment (`EVERGREEN_RELAY_URL`, for
//! tests and development), the user's `~/.config/evergreen/config.toml`, the system's
//! `/etc/evergreen/config.toml` (an agency's IT sets it once for every desktop), and the
//! default the package was built with (`scripts/package.sh --relay-url`). A file with a
//! mistake is reported (file and key) and the mistake skipped: the app always starts.

use std::path::{Path, PathBuf};

use evergreen_instagram::Url;

/// How to open Instagram's login page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browser {
    /// The user's default browser.
    System,
    /// Append the URL as a line to this file instead (end-to-end tests play the browser).
    Record(PathBuf),
}

/// Real Instagram accounts, or the pretend Instagram. Each has its own profile directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Real accounts, connected through the sign-in service.
    Real,
    /// A pretend Instagram and relay inside the app, on loopback.
    Demo,
}

impl Mode {
    /// The word in `config.toml` and across IPC.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Real => "real",
            Self::Demo => "demo",
        }
    }

    /// Read the word.
    pub fn parse(word: &str) -> Option<Self> {
        [Self::Real, Self::Demo].into_iter().find(|m| m.as_str() == word)
    }
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `EVERGREEN_RELAY_URL`.
    Environment,
    /// The user's `config.toml`.
    UserFile(PathBuf),
    /// The system's `config.toml`.
    SystemFile(PathBuf),
    /// Chosen when the package was built.
    BuildDefault,
}

impl Source {
    /// The word across IPC.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Environment => "environment",
            Self::UserFile(_) => "user_file",
            Self::SystemFile(_) => "system_file",
            Self::BuildDefault => "build_default",
        }
    }

    /// The file, for the two file sources.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::UserFile(p) | Self::SystemFile(p) => Some(p),
            Self::Environment | Self::BuildDefault => None,
        }
    }
}

/// The sign-in service real mode connects accounts through, and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInService {
    /// Its address, as used (https, or http to this computer; ends in `/`).
    pub url: Url,
    /// Where it was set.
    pub source: Source,
}

/// The keys a `config.toml` may hold. One list: reading, writing and the error words.
pub mod keys {
    /// The sign-in service's address.
    pub const SIGN_IN_SERVICE: &str = "sign_in_service";
    /// `real` or `demo`: the person's choice (user file), or a preset (system file).
    pub const MODE: &str = "mode";
    /// Every key, for the "unknown key" message.
    pub const ALL: [&str; 2] = [SIGN_IN_SERVICE, MODE];
}

/// The two configuration files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    /// `$XDG_CONFIG_HOME/evergreen/config.toml` (or `~/.config/…`): the app writes here.
    pub user: PathBuf,
    /// `/etc/evergreen/config.toml` (`EVERGREEN_SYSTEM_CONFIG` for tests).
    pub system: PathBuf,
}

/// The default sign-in service chosen when the package was built, if any.
pub const BUILD_DEFAULT_SIGN_IN_SERVICE: Option<&str> = option_env!("EVERGREEN_DEFAULT_RELAY_URL");

/// How the app was started.
#[derive(Debug, Clone)]
pub struct Config {
    /// `EVERGREEN_DATA_DIR`: use this directory instead of the platform's data directory
    /// (tests, several profiles side by side). Real mode's profile is this directory, demo
    /// mode's its `demo/` directory, as under the platform's.
    pub data_dir: Option<PathBuf>,
    /// The sign-in service, when one is set anywhere.
    pub sign_in: Option<SignInService>,
    /// The mode chosen (user file) or preset (system file); `EVERGREEN_RELAY_URL` means real.
    pub mode: Option<Mode>,
    /// `EVERGREEN_INSTAGRAM_URL`: real mode's Instagram on one host (https, or http to this
    /// computer): a sandbox, for tests of the installed (debug) package and for development.
    /// Release builds ignore it.
    pub instagram: Option<Url>,
    /// `EVERGREEN_THREADS_URL`: the same for Threads (its sandbox address).
    pub threads: Option<Url>,
    /// The configuration files.
    pub files: Files,
    /// What was wrong in the files, worded for the person (file and key); each mistake was
    /// skipped.
    pub problems: Vec<String>,
    /// `EVERGREEN_LOG`: a tracing filter (`info`, `evergreen_core=debug`, …).
    pub log_filter: Option<String>,
    /// `EVERGREEN_LOG_FILE`: also append the log to this file.
    pub log_file: Option<PathBuf>,
    /// `APPIMAGE` is set: running from an AppImage, which registers its own scheme handler.
    pub appimage: bool,
    /// `EVERGREEN_BROWSER`: `system` (default) or `record:/path/to/file`.
    pub browser: Browser,
    /// `EVERGREEN_CONNECT_TTL_SECS`: how long a sign-in waits for the browser (default 600).
    pub connect_ttl_secs: Option<u32>,
    /// `--hidden` on the command line: started at login, stay in the tray.
    pub start_hidden: bool,
    /// `EVERGREEN_WEBKIT_TUNING=off`: leave WebKit at its defaults (to rule the tuning out when
    /// a page draws wrongly on some graphics stack, and to measure what it buys).
    pub webkit_tuning: bool,
    /// `TAURI_AUTOMATION=true` (set for the app by whoever starts it under WebDriver): a WebDriver session controls the
    /// webviews. Its automation session does not survive WebKit's network process being
    /// ended, so the window-closed release keeps that process under automation.
    pub automation: bool,
}

/// The flag the login entry starts Evergreen with.
pub const HIDDEN_FLAG: &str = "--hidden";

impl Config {
    /// Read the environment, the command line and the configuration files.
    pub fn load() -> Self {
        let env = |name: &str| std::env::var(name).ok();
        Self::load_from(&env, std::env::args().skip(1), BUILD_DEFAULT_SIGN_IN_SERVICE)
    }

    /// The same from the given environment, arguments and build default.
    pub fn load_from(
        env: &dyn Fn(&str) -> Option<String>,
        args: impl IntoIterator<Item = String>,
        build_default: Option<&str>,
    ) -> Self {
        let non_empty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let browser = match non_empty("EVERGREEN_BROWSER") {
            Some(v) if v.starts_with("record:") => Browser::Record(PathBuf::from(&v["record:".len()..])),
            _ => Browser::System,
        };
        let files = Files {
            user: non_empty("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .or_else(|| non_empty("HOME").map(|home| Path::new(&home).join(".config")))
                .unwrap_or_else(|| PathBuf::from(".config"))
                .join("evergreen/config.toml"),
            system: non_empty("EVERGREEN_SYSTEM_CONFIG")
                .map_or_else(|| PathBuf::from("/etc/evergreen/config.toml"), PathBuf::from),
        };
        let mut problems = Vec::new();
        let user = read_layer(&files.user, &mut problems);
        let system = read_layer(&files.system, &mut problems);
        let from_env = non_empty("EVERGREEN_RELAY_URL").and_then(|value| {
            evergreen_core::connect::sign_in_service_url(&value)
                .inspect_err(|e| problems.push(format!("EVERGREEN_RELAY_URL: {e} Evergreen ignored it.")))
                .ok()
        });
        let from_build = build_default.filter(|v| !v.trim().is_empty()).and_then(|value| {
            evergreen_core::connect::sign_in_service_url(value)
                .inspect_err(|e| {
                    problems.push(format!("The built-in sign-in service: {e} Evergreen ignored it."))
                })
                .ok()
        });
        // Every real token would go there: only debug builds (tests, development) listen.
        let mut stand_in = |name: &str| {
            non_empty(name).and_then(|value| {
                if !cfg!(debug_assertions) {
                    problems.push(format!("{name} works only in development builds. Evergreen ignored it."));
                    return None;
                }
                match Url::parse(value.trim()) {
                    Ok(url) if evergreen_core::connect::is_https_or_loopback(&url) => Some(url),
                    _ => {
                        problems.push(format!(
                            "{name} must be an https address, or http to this computer. Evergreen ignored it."
                        ));
                        None
                    }
                }
            })
        };
        let instagram = stand_in("EVERGREEN_INSTAGRAM_URL");
        let threads = stand_in("EVERGREEN_THREADS_URL");
        let sign_in = from_env
            .map(|url| SignInService { url, source: Source::Environment })
            .or_else(|| {
                user.service.map(|url| SignInService { url, source: Source::UserFile(files.user.clone()) })
            })
            .or_else(|| {
                system
                    .service
                    .map(|url| SignInService { url, source: Source::SystemFile(files.system.clone()) })
            })
            .or_else(|| from_build.map(|url| SignInService { url, source: Source::BuildDefault }));
        let mode = if sign_in.as_ref().is_some_and(|s| s.source == Source::Environment) {
            Some(Mode::Real)
        } else {
            user.mode.or(system.mode)
        };
        Self {
            data_dir: non_empty("EVERGREEN_DATA_DIR").map(PathBuf::from),
            sign_in,
            mode,
            instagram,
            threads,
            files,
            problems,
            log_filter: non_empty("EVERGREEN_LOG"),
            log_file: non_empty("EVERGREEN_LOG_FILE").map(PathBuf::from),
            appimage: non_empty("APPIMAGE").is_some(),
            browser,
            connect_ttl_secs: non_empty("EVERGREEN_CONNECT_TTL_SECS").and_then(|v| v.parse().ok()),
            start_hidden: args.into_iter().any(|a| a == HIDDEN_FLAG),
            webkit_tuning: non_empty("EVERGREEN_WEBKIT_TUNING").is_none_or(|v| v != "off"),
            automation: non_empty("TAURI_AUTOMATION").is_some_and(|v| v == "true"),
        }
    }

    /// The defaults: demo mode, platform data directory, system browser, no files.
    pub fn demo() -> Self {
        let nowhere = |name: &str| match name {
            "XDG_CONFIG_HOME" => Some("/nonexistent/evergreen-config".to_string()),
            "EVERGREEN_SYSTEM_CONFIG" => Some("/nonexistent/evergreen-config/system.toml".to_string()),
            _ => None,
        };
        Self::load_from(&nowhere, Vec::new(), None)
    }

    /// Which profile to open at start. `has_vault` tells whether a mode's profile already
    /// holds a vault (a person who used it before is not asked again).
    pub fn start(&self, has_vault: impl Fn(Mode) -> bool) -> Start {
        let decided = |mode| Start { mode, first_run: false };
        if let Some(mode) = self.mode {
            return decided(mode);
        }
        if has_vault(Mode::Real) {
            return decided(Mode::Real);
        }
        if has_vault(Mode::Demo) || self.sign_in.is_none() {
            return decided(Mode::Demo);
        }
        // A sign-in service is set and nobody chose yet: open the real profile (nothing is
        // created in it before the person chooses) and ask.
        Start { mode: Mode::Real, first_run: true }
    }
}

/// The profile to open at start, and whether the person still has to choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    /// The profile opened.
    pub mode: Mode,
    /// Ask "real or pretend" before the vault is created.
    pub first_run: bool,
}

/// What one `config.toml` says, each valid key kept.
#[derive(Default)]
struct Layer {
    service: Option<Url>,
    mode: Option<Mode>,
}

/// A configuration file is a few lines; anything longer is not one.
const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// The text of a configuration file. Only a regular file of at most [`MAX_CONFIG_BYTES`] is
/// read: a pipe would hold the start for ever, a link to a device would fill memory.
fn read_config_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is not a regular file"));
    }
    let too_long = || std::io::Error::new(std::io::ErrorKind::InvalidData, "it is longer than 64 KiB");
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_long());
    }
    let mut text = String::new();
    std::fs::File::open(path)?.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_long());
    }
    Ok(text)
}

/// Read one file; a missing file is no problem, anything wrong is one (and skipped).
fn read_layer(path: &Path, problems: &mut Vec<String>) -> Layer {
    let text = match read_config_text(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Layer::default(),
        Err(e) => {
            problems.push(format!("{}: Evergreen couldn't read it ({e}), so it ignored it.", path.display()));
            return Layer::default();
        }
    };
    let table = match text.parse::<toml::Table>() {
        Ok(table) => table,
        Err(e) => {
            let line = e.span().map(|s| text[..s.start].lines().count().max(1));
            let at = line.map(|l| format!(" on line {l}")).unwrap_or_default();
            problems.push(format!(
                "{}: this file has a mistake{at} ({}), so Evergreen ignored it.",
                path.display(),
                e.message()
            ));
            return Layer::default();
        }
    };
    let mut layer = Layer::default();
    let file = path.display();
    for (key, value) in &table {
        match key.as_str() {
            keys::SIGN_IN_SERVICE => match value.as_str().map(evergreen_core::connect::sign_in_service_url) {
                Some(Ok(url)) => layer.service = Some(url),
                Some(Err(e)) => problems.push(format!("{file}: `{key}`: {e} Evergreen ignored it.")),
                None => problems.push(format!(
                    "{file}: `{key}` must be an address in quotes, like \"https://signin.example.com\". Evergreen ignored it."
                )),
            },
            keys::MODE => match value.as_str().and_then(Mode::parse) {
                Some(mode) => layer.mode = Some(mode),
                None => problems.push(format!(
                    "{file}: `{key}` must be \"real\" or \"demo\". Evergreen ignored it."
                )),
            },
            other => problems.push(format!(
                "{file}: Evergreen doesn't know the setting `{other}` (it knows {}), so it ignored it.",
                keys::ALL.map(|k| format!("`{k}`")).join(" and ")
            )),
        }
    }
    layer
}

/// Why the user's `config.toml` could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The file has a mistake: saving would lose what the person wrote.
    #[error(
        "Evergreen couldn't save your choice: {path} has a mistake ({reason}). Fix or remove that file, then try again."
    )]
    Damaged {
        /// The file.
        path: String,
        /// What the parser said.
        reason: String,
    },
    /// The disk refused.
    #[error("Evergreen couldn't save your choice in {path} ({reason}). Check the disk and try again.")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        reason: String,
    },
}

/// Set `key` to `value` in the user's `config.toml`, keeping everything else the person
/// wrote (comments too). Written to a temporary file and renamed: a crash leaves the old
/// file or the new one, never half of one.
pub fn save_user_setting(path: &Path, key: &str, value: &str) -> Result<(), SaveError> {
    let io = |e: std::io::Error| SaveError::Io { path: path.display().to_string(), reason: e.to_string() };
    let text = match read_config_text(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    let mut doc = text.parse::<toml_edit::DocumentMut>().map_err(|e| SaveError::Damaged {
        path: path.display().to_string(),
        reason: e.message().to_string(),
    })?;
    doc[key] = toml_edit::value(value);
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    std::io::Write::write_all(&mut temp, doc.to_string().as_bytes()).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Machine {
        dir: tempfile::TempDir,
        env: Vec<(&'static str, String)>,
    }

    impl Machine {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let env = vec![
                ("XDG_CONFIG_HOME", dir.path().join("config").display().to_string()),
                ("EVERGREEN_SYSTEM_CONFIG", dir.path().join("etc/config.toml").display().to_string()),
            ];
            Self { dir, env }
        }
        fn user(&self) -> PathBuf {
            self.dir.path().join("config/evergreen/config.toml")
        }
        fn system(&self) -> PathBuf {
            self.dir.path().join("etc/config.toml")
        }
        fn write(&self, path: PathBuf, text: &str) -> &Self {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
            self
        }
        fn with_env(mut self, name: &'static str, value: &str) -> Self {
            self.env.push((name, value.into()));
            self
        }
        fn load(&self, build_default: Option<&str>) -> Config {
            let env = |name: &str| self.env.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
            Config::load_from(&env, Vec::new(), build_default)
        }
    }

    fn service(config: &Config) -> Option<(String, &'static str)> {
        config.sign_in.as_ref().map(|s| (s.url.to_string(), s.source.as_str()))
    }

    #[test]
    fn the_environment_wins_then_the_user_then_the_system_then_the_build() {
        let m = Machine::new();
        let build = Some("https://built.example.com");
        assert_eq!(service(&m.load(build)), Some(("https://built.example.com/".into(), "build_default")));
        m.write(m.system(), "sign_in_service = \"https://agency.example.com/relay\"\n");
        let config = m.load(build);
        assert_eq!(service(&config), Some(("https://agency.example.com/relay/".into(), "system_file")));
        assert_eq!(config.sign_in.unwrap().source.path(), Some(m.system().as_path()));
        m.write(m.user(), "sign_in_service = \"https://mine.example.com\"\n");
        assert_eq!(service(&m.load(build)), Some(("https://mine.example.com/".into(), "user_file")));
        let m = m.with_env("EVERGREEN_RELAY_URL", "http://127.0.0.1:4000");
        let config = m.load(build);
        assert_eq!(service(&config), Some(("http://127.0.0.1:4000/".into(), "environment")));
        assert_eq!(config.mode, Some(Mode::Real), "the environment's service means real mode");
        assert!(config.problems.is_empty(), "{:?}", config.problems);
    }

    #[test]
    fn nothing_anywhere_is_demo_and_nobody_is_asked() {
        let config = Machine::new().load(None);
        assert_eq!(config.sign_in, None);
        assert_eq!(config.start(|_| false), Start { mode: Mode::Demo, first_run: false });
    }

    #[test]
    fn a_service_and_no_choice_asks_once_and_a_used_profile_is_not_asked() {
        let m = Machine::new();
        m.write(m.system(), "sign_in_service = \"https://agency.example.com\"\n");
        let config = m.load(None);
        assert_eq!(config.start(|_| false), Start { mode: Mode::Real, first_run: true });
        assert_eq!(config.start(|m| m == Mode::Real), Start { mode: Mode::Real, first_run: false });
        assert_eq!(config.start(|m| m == Mode::Demo), Start { mode: Mode::Demo, first_run: false });
        m.write(m.user(), "mode = \"demo\"\n");
        assert_eq!(m.load(None).start(|_| true), Start { mode: Mode::Demo, first_run: false });
    }

    #[test]
    fn the_users_choice_wins_over_the_systems_preset() {
        let m = Machine::new();
        m.write(m.system(), "sign_in_service = \"https://agency.example.com\"\nmode = \"real\"\n");
        assert_eq!(m.load(None).mode, Some(Mode::Real));
        m.write(m.user(), "mode = \"demo\"\n");
        assert_eq!(m.load(None).mode, Some(Mode::Demo));
    }

    #[test]
    fn mistakes_name_the_file_and_key_and_the_rest_still_counts() {
        let m = Machine::new();
        m.write(m.system(), "sign_in_service = \"https://agency.example.com\"\n");
        m.write(m.user(), "sign_in_servise = \"https://typo.example.com\"\nmode = \"pretend\"\n");
        let config = m.load(None);
        assert_eq!(service(&config), Some(("https://agency.example.com/".into(), "system_file")));
        assert_eq!(config.mode, None);
        let user = m.user().display().to_string();
        assert_eq!(config.problems.len(), 2, "{:?}", config.problems);
        assert!(config.problems.iter().any(|p| p.starts_with(&user) && p.contains("`sign_in_servise`")));
        assert!(
            config
                .problems
                .iter()
                .any(|p| p.starts_with(&user) && p.contains("`mode` must be \"real\" or \"demo\""))
        );
        for (text, words) in [
            ("sign_in_service = \"http://relay.example.com\"\n", "https"),
            ("sign_in_service = \"not a web address at all\"\n", "isn't a web address"),
            ("sign_in_service = 42\n", "must be an address in quotes"),
            ("sign_in_service = \"https://a.example.com/?x=1\"\n", "isn't a web address"),
        ] {
            m.write(m.user(), text);
            let config = m.load(None);
            assert_eq!(service(&config).unwrap().1, "system_file", "{text}");
            assert!(
                config.problems.len() == 1
                    && config.problems[0].starts_with(&format!("{user}: `sign_in_service`")),
                "{text}: {:?}",
                config.problems
            );
            assert!(config.problems[0].contains(words), "{text}: {:?}", config.problems);
        }
        m.write(m.user(), "sign_in_service = \"https://a.example.com\"\n[broken\n");
        let config = m.load(None);
        assert_eq!(service(&config).unwrap().1, "system_file", "a damaged file is ignored whole");
        assert!(
            config.problems[0].starts_with(&format!("{user}: this file has a mistake on line 2")),
            "{:?}",
            config.problems
        );
        let config = m.with_env("EVERGREEN_RELAY_URL", "ftp://x").load(Some("http://built.example.com"));
        assert_eq!(config.problems.len(), 3, "{:?}", config.problems);
        assert!(config.problems.iter().any(|p| p.starts_with("EVERGREEN_RELAY_URL:")));
        assert!(config.problems.iter().any(|p| p.starts_with("The built-in sign-in service:")));
        let config =
            Machine::new().with_env("EVERGREEN_INSTAGRAM_URL", "http://instagram.example.com").load(None);
        assert_eq!(config.instagram, None);
        assert!(config.problems[0].starts_with("EVERGREEN_INSTAGRAM_URL must be an https address"));
        let config = Machine::new().with_env("EVERGREEN_INSTAGRAM_URL", "http://127.0.0.1:5000/").load(None);
        assert_eq!(config.instagram.map(|u| u.to_string()), Some("http://127.0.0.1:5000/".into()));
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_file_is_a_problem_not_a_crash() {
        let m = Machine::new();
        // A directory where the file should be: reading it fails for root too.
        std::fs::create_dir_all(m.user()).unwrap();
        let config = m.load(None);
        assert_eq!(config.problems.len(), 1);
        assert!(config.problems[0].contains("couldn't read it"), "{:?}", config.problems);
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_a_device_or_a_huge_file_is_a_problem_not_a_hang() {
        type Make = fn(&Path);
        let cases: [(&str, Make); 3] = [
            ("pipe", |path| {
                assert!(std::process::Command::new("mkfifo").arg(path).status().unwrap().success());
            }),
            ("device", |path| std::os::unix::fs::symlink("/dev/zero", path).unwrap()),
            ("huge", |path| std::fs::write(path, format!("# {}\n", "x".repeat(70 * 1024))).unwrap()),
        ];
        for (what, make) in cases {
            let m = Machine::new();
            std::fs::create_dir_all(m.user().parent().unwrap()).unwrap();
            make(&m.user());
            // On its own thread: a read that blocks must fail the test, not hang it.
            let (done, loaded) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let problems = m.load(None).problems;
                let saved = save_user_setting(&m.user(), keys::MODE, "demo").is_err();
                let _ = done.send((problems, saved));
            });
            let (problems, refused) = loaded
                .recv_timeout(std::time::Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("{what}: hung"));
            assert_eq!(problems.len(), 1, "{what}: {problems:?}");
            assert!(problems[0].contains("couldn't read it"), "{what}: {problems:?}");
            assert!(refused, "{what}: not written over");
        }
    }

    #[test]
    fn saving_keeps_what_the_person_wrote() {
        let m = Machine::new();
        save_user_setting(&m.user(), keys::MODE, "demo").unwrap();
        assert_eq!(m.load(None).mode, Some(Mode::Demo));
        m.write(
            m.user(),
            "# my notes\nsign_in_service = \"https://mine.example.com\" # agency\nmode = \"demo\"\n",
        );
        save_user_setting(&m.user(), keys::MODE, "real").unwrap();
        let text = std::fs::read_to_string(m.user()).unwrap();
        assert!(
            text.contains("# my notes") && text.contains("# agency") && text.contains("mode = \"real\""),
            "{text}"
        );
        m.write(m.user(), "[broken\n");
        let error = save_user_setting(&m.user(), keys::MODE, "real").unwrap_err();
        assert!(matches!(error, SaveError::Damaged { .. }), "{error}");
        assert_eq!(
            std::fs::read_to_string(m.user()).unwrap(),
            "[broken\n",
            "a damaged file is left as it was"
        );
    }
}
