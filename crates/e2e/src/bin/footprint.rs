//! The footprint benchmark (issue 10): Evergreen and a bare Tauri app with the same plugins,
//! each alone in the same virtual display, measured the same way, one after the other:
//!
//! * first paint: from spawning the process until its page reports a painted frame, the median
//!   of five launches per app taken in turns after a discarded warm-up launch of each;
//! * whole-tree PSS and anonymous (private dirty) memory, from `/proc/PID/smaps_rollup`
//!   summed over the app and its descendants, 30 s after first paint (window open) and 30 s
//!   after the window was closed (WM_DELETE_WINDOW, as a window manager's close button);
//! * CPU of the whole tree while idle, over `--idle-secs` (default 300) in each state;
//! * for Evergreen, reopening the window until the page shows the accounts again: with *Open
//!   Evergreen* in the tray menu (clicked through a panel stand-in, [`TrayHost`]) right after
//!   the idle time closed and twice more after `SETTLE` closed, and once by launching it again
//!   (the desktop's launcher); and Evergreen with `EVERGREEN_WEBKIT_TUNING=off` for first paint
//!   and open-window memory, so the tuning is judged by measurement.
//!
//! Run through `scripts/footprint.sh` (release builds, Xvfb, a D-Bus session). Writes
//! `footprint.json` and `footprint.md` into the directory given with `--out`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Parser;
use evergreen_e2e::TrayHost;
use evergreen_e2e::procs::{memory_of, ticks_of, tree};
use serde::Serialize;

const SETTLE: Duration = Duration::from_secs(30);
/// Launches per app for the first-paint median.
const PAINT_RUNS: usize = 5;
const PASSPHRASE: &str = "footprint benchmark passphrase";

/// Evergreen's footprint against a bare Tauri app with the same plugins.
#[derive(Parser)]
// `scripts/footprint.sh` gives the paths first and the caller's flags after: the last wins.
#[command(args_override_self = true)]
struct Args {
    /// Evergreen's release binary.
    #[arg(long, default_value = "target/release/evergreen")]
    evergreen: PathBuf,
    /// The bare Tauri app (`bench/bare-tauri`).
    #[arg(long, default_value = "target/release/bare-tauri")]
    bare: PathBuf,
    /// The tray agent prototype (`bench/tray-agent`), measured too when given.
    #[arg(long)]
    agent: Option<PathBuf>,
    /// A Chromium to stand in for Electron, measured too when given.
    #[arg(long)]
    chromium: Option<PathBuf>,
    /// Where `footprint.json` and `footprint.md` go.
    #[arg(long, default_value = "target/footprint")]
    out: PathBuf,
    /// Idle time per app and window state, in seconds (under 300 for a quick look).
    #[arg(long = "idle-secs", default_value_t = 300)]
    idle_secs: u64,
}

/// A running app whose stderr lines arrive on a channel.
struct App {
    child: Child,
    lines: mpsc::Receiver<String>,
    spawned: Instant,
}

impl App {
    fn start(binary: &Path, env: &[(&str, String)]) -> Self {
        let spawned = Instant::now();
        let mut child = Command::new(binary)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("NO_AT_BRIDGE", "1")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        let (tx, lines) = mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self { child, lines, spawned }
    }

    /// Wait for a stderr line containing `needle`; the time since `from`.
    fn wait_for(&self, needle: &str, from: Instant) -> Duration {
        self.wait_for_line(needle, from).0
    }

    /// Wait for a stderr line containing `needle`; the time since `from` and the line.
    fn wait_for_line(&self, needle: &str, from: Instant) -> (Duration, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return (from.elapsed(), line),
                Ok(_) => {}
                Err(_) => panic!("no '{needle}' within 60 s"),
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One process's memory.
#[derive(Serialize)]
struct ProcessMemory {
    name: String,
    pss_kb: u64,
    anon_kb: u64,
}

/// A process tree's memory: the sums and each process.
#[derive(Serialize)]
struct Memory {
    pss_kb: u64,
    anon_kb: u64,
    processes: Vec<ProcessMemory>,
}

impl Memory {
    fn of_tree(root: u32) -> Self {
        let processes: Vec<_> = tree(root)
            .into_iter()
            .map(|(pid, name)| {
                let (pss_kb, anon_kb) = memory_of(pid);
                ProcessMemory { name, pss_kb, anon_kb }
            })
            .collect();
        Self {
            pss_kb: processes.iter().map(|p| p.pss_kb).sum(),
            anon_kb: processes.iter().map(|p| p.anon_kb).sum(),
            processes,
        }
    }

    /// "name 12.3 MB, …" by PSS.
    fn breakdown(&self) -> String {
        self.processes.iter().map(|p| format!("{} {}", p.name, mb(p.pss_kb))).collect::<Vec<_>>().join(", ")
    }
}

/// Whole-tree CPU over `idle`, as a percentage of one core.
fn idle_cpu(root: u32, idle: Duration) -> f64 {
    let before: HashMap<u32, u64> = tree(root).into_iter().map(|(pid, _)| (pid, ticks_of(pid))).collect();
    std::thread::sleep(idle);
    let used: u64 = tree(root)
        .into_iter()
        .map(|(pid, _)| ticks_of(pid).saturating_sub(*before.get(&pid).unwrap_or(&0)))
        .sum();
    let hz = 100.0;
    used as f64 / hz / idle.as_secs_f64() * 100.0
}

/// Ask the top-level window titled `title` to close, as a window manager does.
fn close_window(title: &str) {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, EventMask};
    let (conn, screen) = x11rb::connect(None).expect("X display");
    let root = conn.setup().roots[screen].root;
    let atom = |name: &str| conn.intern_atom(false, name.as_bytes()).unwrap().reply().unwrap().atom;
    let (protocols, delete) = (atom("WM_PROTOCOLS"), atom("WM_DELETE_WINDOW"));
    let mut found = 0;
    let mut stack = vec![root];
    while let Some(window) = stack.pop() {
        if let Ok(reply) = conn.query_tree(window).unwrap().reply() {
            stack.extend(reply.children);
        }
        let name = conn
            .get_property(false, window, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 256)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|p| String::from_utf8_lossy(&p.value).into_owned());
        if name.as_deref() == Some(title) {
            let event = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
            conn.send_event(false, window, EventMask::NO_EVENT, event).unwrap();
            found += 1;
        }
    }
    conn.flush().unwrap();
    assert!(found > 0, "no window titled {title}");
}

fn web_processes(root: u32) -> usize {
    tree(root).iter().filter(|(_, name)| name.starts_with("WebKitWebProces")).count()
}

/// An app to measure: how to start it, the stderr line that says its page is painted, and its
/// window's title.
struct Subject<'a> {
    label: &'a str,
    binary: &'a Path,
    env: &'a [(&'a str, String)],
    painted: &'a str,
    title: &'a str,
}

/// Started, painted and settled with its window open.
#[derive(Serialize)]
struct Open {
    first_paint_ms: u128,
    open: Memory,
}

/// Idled with the window open, then closed, settled and idled again.
#[derive(Serialize)]
struct Idled {
    open_cpu_percent: f64,
    closed: Memory,
    closed_cpu_percent: f64,
    web_processes_closed: usize,
}

/// Reopening Evergreen's window, each time from closed to the accounts painted.
#[derive(Serialize)]
struct Reopens {
    /// *Open Evergreen* in the tray after the idle time closed.
    #[serde(rename = "tray_after_idle")]
    tray_after_idle_ms: u128,
    /// *Open Evergreen* in the tray after `SETTLE` closed, twice.
    #[serde(rename = "tray_after_settle")]
    tray_after_settle_ms: Vec<u128>,
    /// Launching Evergreen again after `SETTLE` closed.
    #[serde(rename = "launcher_after_settle")]
    launcher_after_settle_ms: u128,
}

impl Reopens {
    fn slowest(&self) -> u128 {
        let tray = self.tray_after_settle_ms.iter().copied().max().unwrap_or(0);
        tray.max(self.tray_after_idle_ms).max(self.launcher_after_settle_ms)
    }
}

/// Start `subject`, wait for its first paint, settle, and take the open window's memory.
fn open(subject: &Subject) -> (App, Open) {
    eprintln!("== {}: start", subject.label);
    let app = App::start(subject.binary, subject.env);
    let first_paint = app.wait_for(subject.painted, app.spawned);
    eprintln!("   first paint {} ms; settling {SETTLE:?}", first_paint.as_millis());
    std::thread::sleep(SETTLE);
    let open = Memory::of_tree(app.pid());
    eprintln!("   window open: PSS {} kB, anonymous {} kB", open.pss_kb, open.anon_kb);
    (app, Open { first_paint_ms: first_paint.as_millis(), open })
}

/// Idle with the window open, close it as a window manager does, settle, idle again.
fn idle_and_close(app: &App, subject: &Subject, idle: Duration) -> Idled {
    eprintln!("   idle {idle:?} with the window open");
    let open_cpu_percent = idle_cpu(app.pid(), idle);
    close_window(subject.title);
    std::thread::sleep(SETTLE);
    let closed = Memory::of_tree(app.pid());
    let web_processes_closed = web_processes(app.pid());
    eprintln!(
        "   window closed: PSS {} kB, anonymous {} kB, web processes {web_processes_closed}",
        closed.pss_kb, closed.anon_kb
    );
    eprintln!("   idle {idle:?} with the window closed");
    let closed_cpu_percent = idle_cpu(app.pid(), idle);
    Idled { open_cpu_percent, closed, closed_cpu_percent, web_processes_closed }
}

/// Reopen the closed window from the tray (right away, then twice after `SETTLE` closed) and by
/// launching the app again (after `SETTLE` closed).
fn reopen(app: &App, subject: &Subject, tray: &TrayHost) -> Reopens {
    let from_tray = || {
        let asked = Instant::now();
        tray.click(app.pid(), "Open Evergreen", Duration::from_secs(10)).expect("tray menu");
        let ms = app.wait_for(subject.painted, asked).as_millis();
        eprintln!("   reopened from the tray: {ms} ms");
        ms
    };
    let close_and_settle = || {
        std::thread::sleep(SETTLE);
        close_window(subject.title);
        std::thread::sleep(SETTLE);
    };
    let tray_after_idle_ms = from_tray();
    let mut tray_after_settle_ms = Vec::new();
    for _ in 0..2 {
        close_and_settle();
        tray_after_settle_ms.push(from_tray());
    }
    close_and_settle();
    let asked = Instant::now();
    let status = Command::new(subject.binary)
        .envs(subject.env.iter().map(|(k, v)| (*k, v.as_str())))
        .status()
        .unwrap();
    assert!(status.success(), "second launch");
    let launcher_after_settle_ms = app.wait_for(subject.painted, asked).as_millis();
    eprintln!("   reopened by launching again: {launcher_after_settle_ms} ms");
    Reopens { tray_after_idle_ms, tray_after_settle_ms, launcher_after_settle_ms }
}

/// First paint of each app: the median of `PAINT_RUNS` launches, the apps taking turns, after
/// one discarded launch of each. The first GTK app in a desktop session starts the desktop
/// portal and the accessibility bus (~300 ms here), which would otherwise be charged to
/// whichever app happened to run first. Returns each app's times, sorted, and each app's
/// "painted" line of its median run (it says where the page spent its part).
fn first_paints(apps: &[&Subject]) -> (Vec<Vec<u128>>, Vec<String>) {
    let launch = |app: &Subject| {
        let running = App::start(app.binary, app.env);
        let (paint, line) = running.wait_for_line(app.painted, running.spawned);
        running.stop();
        (paint.as_millis(), line)
    };
    for app in apps {
        launch(app);
    }
    let mut runs = vec![Vec::new(); apps.len()];
    for _ in 0..PAINT_RUNS {
        for (i, app) in apps.iter().enumerate() {
            runs[i].push(launch(app));
        }
    }
    let mut times = Vec::new();
    let mut median_lines = Vec::new();
    for mut app_runs in runs {
        app_runs.sort_by_key(|(ms, _)| *ms);
        times.push(app_runs.iter().map(|(ms, _)| *ms).collect());
        median_lines.push(app_runs.get(app_runs.len() / 2).map(|(_, l)| l.clone()).unwrap_or_default());
    }
    eprintln!("   first paints (ms): {times:?}");
    (times, median_lines)
}

fn median(sorted: &[u128]) -> u128 {
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}

/// "median (min–max)" of sorted times.
fn spread(sorted: &[u128]) -> String {
    format!(
        "{} ms ({}–{})",
        median(sorted),
        sorted.first().copied().unwrap_or(0),
        sorted.last().copied().unwrap_or(0)
    )
}

/// The page's own milestones from Evergreen's "window painted" line, and the bare app's page
/// share from its "painted <ms> page <ms>" line.
fn page_breakdown(line: &str, bare_line: &str) -> String {
    let field = |name: &str| {
        line.split_whitespace().find_map(|w| w.strip_prefix(&format!("{name}="))).unwrap_or("?").to_string()
    };
    let bare_page = bare_line.split_whitespace().skip_while(|w| *w != "page").nth(1).unwrap_or("?");
    format!(
        "process start → page painted {} ms; within the page (since navigation began): HTML in {} ms, \
         scripts run {} ms, first render {} ms, first real screen committed {} ms, \
         next frame {} ms, painted {} ms. The bare app's page: painted {} ms after navigation began",
        field("since_start_ms"),
        field("html_ms"),
        field("scripts_ms"),
        field("mounted_ms"),
        field("state_ms"),
        field("frame_ms"),
        field("painted_ms"),
        bare_page,
    )
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn ratio(a: u64, b: u64) -> f64 {
    a as f64 / b.max(1) as f64
}

/// The bare app's figure, Evergreen's, and Evergreen ÷ bare, for kB of memory.
fn compared(bare_kb: u64, ours_kb: u64) -> [String; 3] {
    [mb(bare_kb), mb(ours_kb), format!("{:.2}", ratio(ours_kb, bare_kb))]
}

fn cpu(percent: f64) -> String {
    format!("{percent:.3} %")
}

/// A Markdown table, one row per call.
struct Table(String);

impl Table {
    /// The header; the first column left-aligned, the others right.
    fn new(header: &[&str]) -> Self {
        let mut text = format!("| {} |\n|---|", header.join(" | "));
        text.push_str(&"---:|".repeat(header.len() - 1));
        text.push('\n');
        Self(text)
    }

    fn row(&mut self, label: &str, cells: &[&str]) {
        writeln!(self.0, "| {label} | {} |", cells.join(" | ")).unwrap();
    }
}

/// Everything measured, as `footprint.json` holds it.
#[derive(Serialize)]
struct Report {
    idle_secs: u64,
    settle_secs: u64,
    first_paint_runs_ms: FirstPaints,
    evergreen_paint_line: String,
    bare_paint_line: String,
    bare: Measured,
    evergreen: Measured,
    evergreen_untuned: Open,
    chromium: Option<Memory>,
    tray_agent: Option<Agent>,
}

/// Each app's first paints, sorted.
#[derive(Serialize)]
struct FirstPaints {
    bare: Vec<u128>,
    evergreen: Vec<u128>,
    evergreen_untuned: Vec<u128>,
}

/// An app measured open, idle and closed, and for Evergreen reopened.
#[derive(Serialize)]
struct Measured {
    #[serde(flatten)]
    open: Open,
    #[serde(flatten)]
    idled: Idled,
    #[serde(rename = "reopen_ms", skip_serializing_if = "Option::is_none")]
    reopens: Option<Reopens>,
}

/// The tray agent prototype, settled and idle.
#[derive(Serialize)]
struct Agent {
    memory: Memory,
    cpu_percent: f64,
}

impl Report {
    fn markdown(&self, chromium: Option<&Path>) -> String {
        let (bare, ours, untuned) = (&self.bare, &self.evergreen, &self.evergreen_untuned);
        let paints = &self.first_paint_runs_ms;
        let reopens = ours.reopens.as_ref().expect("Evergreen is reopened");
        let idle = self.idle_secs;
        let mut table =
            Table::new(&["", "bare Tauri app", "Evergreen", "Evergreen ÷ bare", "Evergreen, WebKit untuned"]);
        table.row(
            &format!("first paint (spawn → page painted), median of {PAINT_RUNS} (range)"),
            &[
                &spread(&paints.bare),
                &spread(&paints.evergreen),
                &format!("{:.2}", ratio(median(&paints.evergreen) as u64, median(&paints.bare) as u64)),
                &spread(&paints.evergreen_untuned),
            ],
        );
        let (bare_open, our_open) = (&bare.open.open, &ours.open.open);
        let [b, o, r] = compared(bare_open.pss_kb, our_open.pss_kb);
        table.row("window open: whole-tree PSS", &[&b, &o, &r, &mb(untuned.open.pss_kb)]);
        let [b, o, r] = compared(bare_open.anon_kb, our_open.anon_kb);
        table.row("window open: anonymous (private dirty)", &[&b, &o, &r, &mb(untuned.open.anon_kb)]);
        table.row(
            &format!("window open: idle CPU over {idle} s"),
            &[&cpu(bare.idled.open_cpu_percent), &cpu(ours.idled.open_cpu_percent), "", ""],
        );
        let (bare_closed, our_closed) = (&bare.idled.closed, &ours.idled.closed);
        let [b, o, r] = compared(bare_closed.pss_kb, our_closed.pss_kb);
        table.row("window closed: whole-tree PSS", &[&b, &o, &r, ""]);
        let [b, o, r] = compared(bare_closed.anon_kb, our_closed.anon_kb);
        table.row("window closed: anonymous (private dirty)", &[&b, &o, &r, ""]);
        table.row(
            "window closed: WebKit web processes",
            &[
                &bare.idled.web_processes_closed.to_string(),
                &ours.idled.web_processes_closed.to_string(),
                "",
                "",
            ],
        );
        table.row(
            &format!("window closed: idle CPU over {idle} s"),
            &[&cpu(bare.idled.closed_cpu_percent), &cpu(ours.idled.closed_cpu_percent), "", ""],
        );
        table.row(
            "Evergreen closed ÷ bare open (PSS)",
            &["", "", &format!("{:.2}", ratio(our_closed.pss_kb, bare_open.pss_kb)), ""],
        );
        table.row(
            "reopen → accounts shown, slowest of 4",
            &["", &format!("{} ms", reopens.slowest()), "", ""],
        );

        let settle = self.settle_secs;
        let mut md = table.0;
        let after_settle = reopens
            .tray_after_settle_ms
            .iter()
            .map(|ms| format!("{ms} ms"))
            .collect::<Vec<_>>()
            .join(" and ");
        writeln!(
            md,
            "\nReopening (window closed → accounts painted): *Open Evergreen* in the tray after {idle} s closed \
             {} ms, after {settle} s closed {after_settle}; launching Evergreen again after {settle} s closed {} ms.",
            reopens.tray_after_idle_ms, reopens.launcher_after_settle_ms,
        )
        .unwrap();
        writeln!(
            md,
            "\nEvergreen's median start: {}.",
            page_breakdown(&self.evergreen_paint_line, &self.bare_paint_line)
        )
        .unwrap();
        writeln!(
            md,
            "\nProcesses, window open — bare: {}; Evergreen: {}.",
            bare_open.breakdown(),
            our_open.breakdown()
        )
        .unwrap();
        writeln!(
            md,
            "\nProcesses, window closed — bare: {}; Evergreen: {}.",
            bare_closed.breakdown(),
            our_closed.breakdown()
        )
        .unwrap();
        if let Some(agent) = &self.tray_agent {
            writeln!(
                md,
                "\nTray agent prototype (`bench/tray-agent`: core, vault unlocked, scheduler, tray; no WebKit): \
                 whole-tree PSS {}, anonymous {}, idle CPU over {idle} s {:.3} % ({}).",
                mb(agent.memory.pss_kb),
                mb(agent.memory.anon_kb),
                agent.cpu_percent,
                agent.memory.breakdown(),
            )
            .unwrap();
        }
        if let Some(memory) = &self.chromium {
            writeln!(
                md,
                "\n{} as an Electron stand-in (`--app` window, the bare app's page, fresh profile), 30 s after start: \
                 whole-tree PSS {}, anonymous {}; Evergreen with its window open is {:.2}× that PSS ({}).",
                chromium_version(chromium),
                mb(memory.pss_kb),
                mb(memory.anon_kb),
                ratio(our_open.pss_kb, memory.pss_kb),
                memory.breakdown(),
            )
            .unwrap();
        }
        md
    }
}

fn main() {
    let args = Args::parse();
    let idle = Duration::from_secs(args.idle_secs);
    std::fs::create_dir_all(&args.out).unwrap();
    // A panel is running before any app starts, as on a desktop: each app's tray icon
    // registers with it, and Evergreen's window is reopened from its tray menu.
    let tray = TrayHost::start().expect("the tray watcher (is another panel running on this bus?)");
    let profile = tempfile::tempdir().unwrap();
    // Evergreen starts in demo mode here: its profile is the data directory's `demo/`.
    let demo = profile.path().join(evergreen_core::paths::DEMO_PROFILE);
    std::fs::create_dir_all(&demo).unwrap();
    evergreen_e2e::seed::profile(&demo, PASSPHRASE, &evergreen_e2e::seed::every_state());
    let evergreen_env =
        vec![("EVERGREEN_DATA_DIR", profile.path().display().to_string()), ("EVERGREEN_LOG", "info".into())];
    let mut untuned_env = evergreen_env.clone();
    untuned_env.push(("EVERGREEN_WEBKIT_TUNING", "off".into()));
    let bare_app =
        Subject { label: "bare", binary: &args.bare, env: &[], painted: "painted", title: "bare-tauri" };
    let evergreen = Subject {
        label: "evergreen",
        binary: &args.evergreen,
        env: &evergreen_env,
        painted: "window painted",
        title: "Evergreen",
    };
    let untuned = Subject { label: "evergreen-untuned", env: &untuned_env, ..evergreen };

    eprintln!("== first paint: {PAINT_RUNS} launches each, after one discarded launch each");
    let (mut paints, mut paint_lines) = first_paints(&[&bare_app, &evergreen, &untuned]);

    let (app, bare_open) = open(&bare_app);
    let bare = Measured { open: bare_open, idled: idle_and_close(&app, &bare_app, idle), reopens: None };
    app.stop();
    let (app, ours_open) = open(&evergreen);
    let idled = idle_and_close(&app, &evergreen, idle);
    let ours = Measured { open: ours_open, idled, reopens: Some(reopen(&app, &evergreen, &tray)) };
    app.stop();
    let (app, untuned_open) = open(&untuned);
    app.stop();

    let tray_agent = args.agent.as_ref().map(|binary| {
        let mut env = evergreen_env.clone();
        env.push(("EVERGREEN_AGENT_PASSPHRASE", PASSPHRASE.into()));
        eprintln!("== tray agent prototype: start");
        let app = App::start(binary, &env);
        app.wait_for("agent ready", app.spawned);
        std::thread::sleep(SETTLE);
        let memory = Memory::of_tree(app.pid());
        eprintln!("   PSS {} kB, anonymous {} kB; idle {idle:?}", memory.pss_kb, memory.anon_kb);
        let cpu_percent = idle_cpu(app.pid(), idle);
        app.stop();
        Agent { memory, cpu_percent }
    });

    // Electron is Chromium plus Node.js; its npm package downloads its binary from GitHub,
    // which this machine cannot reach, so Debian's Chromium showing the same trivial page in
    // an app window stands in as a lower bound for an Electron app.
    let chromium = args.chromium.as_ref().map(|binary| {
        let page = args.bare.parent().unwrap().join("../../bench/bare-tauri/dist/index.html");
        let page = std::fs::canonicalize(&page).unwrap_or(page);
        let profile = tempfile::tempdir().unwrap();
        eprintln!("== chromium (Electron stand-in): start");
        let mut child = Command::new(binary)
            .args([
                "--no-sandbox",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                &format!("--user-data-dir={}", profile.path().display()),
                &format!("--app=file://{}", page.display()),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium");
        std::thread::sleep(SETTLE);
        let memory = Memory::of_tree(child.id());
        eprintln!("   PSS {} kB, anonymous {} kB", memory.pss_kb, memory.anon_kb);
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let _ = child.wait();
        memory
    });

    let report = Report {
        idle_secs: args.idle_secs,
        settle_secs: SETTLE.as_secs(),
        first_paint_runs_ms: FirstPaints {
            evergreen_untuned: paints.pop().expect("three apps"),
            evergreen: paints.pop().expect("three apps"),
            bare: paints.pop().expect("three apps"),
        },
        evergreen_paint_line: std::mem::take(&mut paint_lines[1]),
        bare_paint_line: std::mem::take(&mut paint_lines[0]),
        bare,
        evergreen: ours,
        evergreen_untuned: untuned_open,
        chromium,
        tray_agent,
    };
    std::fs::write(args.out.join("footprint.json"), serde_json::to_string_pretty(&report).unwrap()).unwrap();
    let md = report.markdown(args.chromium.as_deref());
    std::fs::write(args.out.join("footprint.md"), &md).unwrap();
    println!("{md}");
}

fn chromium_version(binary: Option<&Path>) -> String {
    binary
        .and_then(|b| Command::new(b).arg("--version").output().ok())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
