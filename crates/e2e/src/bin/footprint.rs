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
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use evergreen_e2e::TrayHost;
use evergreen_e2e::procs::{memory_of, ticks_of, tree};
use serde_json::json;

const SETTLE: Duration = Duration::from_secs(30);
/// Launches per app for the first-paint median.
const PAINT_RUNS: usize = 5;
const PASSPHRASE: &str = "footprint benchmark passphrase";

struct Args {
    evergreen: PathBuf,
    bare: PathBuf,
    agent: Option<PathBuf>,
    chromium: Option<PathBuf>,
    out: PathBuf,
    idle: Duration,
}

fn args() -> Args {
    let mut evergreen = PathBuf::from("target/release/evergreen");
    let mut bare = PathBuf::from("target/release/bare-tauri");
    let mut out = PathBuf::from("target/footprint");
    let mut agent = None;
    let mut chromium = None;
    let mut idle = Duration::from_secs(300);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--evergreen" => evergreen = value().into(),
            "--bare" => bare = value().into(),
            "--agent" => agent = Some(value().into()),
            "--chromium" => chromium = Some(value().into()),
            "--out" => out = value().into(),
            "--idle-secs" => idle = Duration::from_secs(value().parse().expect("seconds")),
            other => panic!("unknown argument {other}"),
        }
    }
    Args { evergreen, bare, agent, chromium, out, idle }
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

fn snapshot(root: u32) -> serde_json::Value {
    let processes: Vec<_> = tree(root)
        .into_iter()
        .map(|(pid, name)| {
            let (pss, anon) = memory_of(pid);
            json!({ "name": name, "pss_kb": pss, "anon_kb": anon })
        })
        .collect();
    let pss: u64 = processes.iter().map(|p| p["pss_kb"].as_u64().unwrap_or(0)).sum();
    let anon: u64 = processes.iter().map(|p| p["anon_kb"].as_u64().unwrap_or(0)).sum();
    json!({ "pss_kb": pss, "anon_kb": anon, "processes": processes })
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

struct Measured {
    first_paint_ms: u128,
    open: serde_json::Value,
    open_cpu: Option<f64>,
    closed: Option<serde_json::Value>,
    closed_cpu: Option<f64>,
    web_processes_closed: Option<usize>,
    reopens: Option<Reopens>,
}

/// Reopening Evergreen's window, each time from closed to the accounts painted.
struct Reopens {
    /// *Open Evergreen* in the tray after the idle time closed.
    tray_after_idle_ms: u128,
    /// *Open Evergreen* in the tray after `SETTLE` closed, twice.
    tray_after_settle_ms: Vec<u128>,
    /// Launching Evergreen again after `SETTLE` closed.
    launcher_after_settle_ms: u128,
}

impl Reopens {
    fn slowest(&self) -> u128 {
        let tray = self.tray_after_settle_ms.iter().copied().max().unwrap_or(0);
        tray.max(self.tray_after_idle_ms).max(self.launcher_after_settle_ms)
    }
}

#[allow(clippy::too_many_arguments)]
fn measure(
    tray: &TrayHost,
    label: &str,
    binary: &Path,
    env: &[(&str, String)],
    painted: &str,
    title: &str,
    idle: Option<Duration>,
) -> Measured {
    eprintln!("== {label}: start");
    let app = App::start(binary, env);
    let first_paint = app.wait_for(painted, app.spawned);
    eprintln!("   first paint {} ms; settling {SETTLE:?}", first_paint.as_millis());
    std::thread::sleep(SETTLE);
    let open = snapshot(app.pid());
    eprintln!("   window open: PSS {} kB, anonymous {} kB", open["pss_kb"], open["anon_kb"]);
    let Some(idle) = idle else {
        app.stop();
        return Measured {
            first_paint_ms: first_paint.as_millis(),
            open,
            open_cpu: None,
            closed: None,
            closed_cpu: None,
            web_processes_closed: None,
            reopens: None,
        };
    };
    eprintln!("   idle {idle:?} with the window open");
    let open_cpu = idle_cpu(app.pid(), idle);
    close_window(title);
    std::thread::sleep(SETTLE);
    let closed = snapshot(app.pid());
    let web = web_processes(app.pid());
    eprintln!(
        "   window closed: PSS {} kB, anonymous {} kB, web processes {web}",
        closed["pss_kb"], closed["anon_kb"]
    );
    eprintln!("   idle {idle:?} with the window closed");
    let closed_cpu = idle_cpu(app.pid(), idle);
    let reopens = (label == "evergreen").then(|| {
        let from_tray = || {
            let asked = Instant::now();
            tray.click(app.pid(), "Open Evergreen", Duration::from_secs(10)).expect("tray menu");
            let ms = app.wait_for(painted, asked).as_millis();
            eprintln!("   reopened from the tray: {ms} ms");
            ms
        };
        let close_and_settle = || {
            std::thread::sleep(SETTLE);
            close_window(title);
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
        let status = Command::new(binary).envs(env.iter().map(|(k, v)| (*k, v.as_str()))).status().unwrap();
        assert!(status.success(), "second launch");
        let launcher_after_settle_ms = app.wait_for(painted, asked).as_millis();
        eprintln!("   reopened by launching again: {launcher_after_settle_ms} ms");
        Reopens { tray_after_idle_ms, tray_after_settle_ms, launcher_after_settle_ms }
    });
    app.stop();
    Measured {
        first_paint_ms: first_paint.as_millis(),
        open,
        open_cpu: Some(open_cpu),
        closed: Some(closed),
        closed_cpu: Some(closed_cpu),
        web_processes_closed: Some(web),
        reopens,
    }
}

/// One app to launch for first paint: binary, environment, the stderr line that says painted.
struct Launch<'a> {
    binary: &'a Path,
    env: &'a [(&'a str, String)],
    painted: &'a str,
}

/// First paint of each app: the median of `PAINT_RUNS` launches, the apps taking turns, after
/// one discarded launch of each. The first GTK app in a desktop session starts the desktop
/// portal and the accessibility bus (~300 ms here), which would otherwise be charged to
/// whichever app happened to run first. Returns each app's times, sorted, and each app's
/// "painted" line of its median run (it says where the page spent its part).
fn first_paints(apps: &[Launch]) -> (Vec<Vec<u128>>, Vec<String>) {
    let launch = |app: &Launch| {
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

fn mb(kb: &serde_json::Value) -> String {
    format!("{:.1} MB", kb.as_u64().unwrap_or(0) as f64 / 1024.0)
}

fn processes(s: &serde_json::Value) -> String {
    s["processes"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| format!("{} {}", p["name"].as_str().unwrap_or("?"), mb(&p["pss_kb"])))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn main() {
    let args = args();
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

    eprintln!("== first paint: {PAINT_RUNS} launches each, after one discarded launch each");
    let (paints, paint_lines) = first_paints(&[
        Launch { binary: &args.bare, env: &[], painted: "painted" },
        Launch { binary: &args.evergreen, env: &evergreen_env, painted: "window painted" },
        Launch { binary: &args.evergreen, env: &untuned_env, painted: "window painted" },
    ]);
    let bare = measure(&tray, "bare", &args.bare, &[], "painted", "bare-tauri", Some(args.idle));
    let ours = measure(
        &tray,
        "evergreen",
        &args.evergreen,
        &evergreen_env,
        "window painted",
        "Evergreen",
        Some(args.idle),
    );
    let untuned = measure(
        &tray,
        "evergreen-untuned",
        &args.evergreen,
        &untuned_env,
        "window painted",
        "Evergreen",
        None,
    );

    let agent = args.agent.as_ref().map(|binary| {
        let mut env = evergreen_env.clone();
        env.push(("EVERGREEN_AGENT_PASSPHRASE", PASSPHRASE.into()));
        eprintln!("== tray agent prototype: start");
        let app = App::start(binary, &env);
        app.wait_for("agent ready", app.spawned);
        std::thread::sleep(SETTLE);
        let memory = snapshot(app.pid());
        eprintln!("   PSS {} kB, anonymous {} kB; idle {:?}", memory["pss_kb"], memory["anon_kb"], args.idle);
        let cpu = idle_cpu(app.pid(), args.idle);
        app.stop();
        (memory, cpu)
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
        let memory = snapshot(child.id());
        eprintln!("   PSS {} kB, anonymous {} kB", memory["pss_kb"], memory["anon_kb"]);
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let _ = child.wait();
        memory
    });

    let ratio = |a: &serde_json::Value, b: &serde_json::Value| {
        a.as_u64().unwrap_or(0) as f64 / b.as_u64().unwrap_or(1).max(1) as f64
    };
    let closed = ours.closed.as_ref().expect("measured");
    let bare_closed = bare.closed.as_ref().expect("measured");
    let reopens = ours.reopens.as_ref().expect("measured");
    let report = json!({
        "idle_secs": args.idle.as_secs(),
        "settle_secs": SETTLE.as_secs(),
        "first_paint_runs_ms": { "bare": paints[0], "evergreen": paints[1], "evergreen_untuned": paints[2] },
        "evergreen_paint_line": paint_lines[1],
        "bare_paint_line": paint_lines[0],
        "bare": { "first_paint_ms": bare.first_paint_ms, "open": bare.open, "open_cpu_percent": bare.open_cpu,
                  "closed": bare.closed, "closed_cpu_percent": bare.closed_cpu, "web_processes_closed": bare.web_processes_closed },
        "evergreen": { "first_paint_ms": ours.first_paint_ms, "open": ours.open, "open_cpu_percent": ours.open_cpu,
                       "closed": ours.closed, "closed_cpu_percent": ours.closed_cpu,
                       "web_processes_closed": ours.web_processes_closed,
                       "reopen_ms": ours.reopens.as_ref().map(|r| json!({
                           "tray_after_idle": r.tray_after_idle_ms,
                           "tray_after_settle": r.tray_after_settle_ms,
                           "launcher_after_settle": r.launcher_after_settle_ms,
                       })) },
        "evergreen_untuned": { "first_paint_ms": untuned.first_paint_ms, "open": untuned.open },
        "chromium": chromium,
        "tray_agent": agent.as_ref().map(|(memory, cpu)| json!({ "memory": memory, "cpu_percent": cpu })),
    });
    std::fs::write(args.out.join("footprint.json"), serde_json::to_string_pretty(&report).unwrap()).unwrap();

    let cpu = |c: Option<f64>| c.map_or("—".into(), |c| format!("{c:.3} %"));
    let md = format!(
        "| | bare Tauri app | Evergreen | Evergreen ÷ bare | Evergreen, WebKit untuned |\n\
         |---|---:|---:|---:|---:|\n\
         | first paint (spawn → page painted), median of {PAINT_RUNS} (range) | {} | {} | {:.2} | {} |\n\
         | window open: whole-tree PSS | {} | {} | {:.2} | {} |\n\
         | window open: anonymous (private dirty) | {} | {} | {:.2} | {} |\n\
         | window open: idle CPU over {} s | {} | {} | | |\n\
         | window closed: whole-tree PSS | {} | {} | {:.2} | |\n\
         | window closed: anonymous (private dirty) | {} | {} | {:.2} | |\n\
         | window closed: WebKit web processes | {} | {} | | |\n\
         | window closed: idle CPU over {} s | {} | {} | | |\n\
         | Evergreen closed ÷ bare open (PSS) | | | {:.2} | |\n\
         | reopen → accounts shown, slowest of 4 | | {} ms | | |\n\n\
         Reopening (window closed → accounts painted): *Open Evergreen* in the tray after {} s closed {} ms, \
         after {} s closed {}; launching Evergreen again after {} s closed {} ms.\n\n\
         Evergreen's median start: {}.\n\n\
         Processes, window open — bare: {}; Evergreen: {}.\n\n\
         Processes, window closed — bare: {}; Evergreen: {}.\n",
        spread(&paints[0]),
        spread(&paints[1]),
        median(&paints[1]) as f64 / median(&paints[0]).max(1) as f64,
        spread(&paints[2]),
        mb(&bare.open["pss_kb"]),
        mb(&ours.open["pss_kb"]),
        ratio(&ours.open["pss_kb"], &bare.open["pss_kb"]),
        mb(&untuned.open["pss_kb"]),
        mb(&bare.open["anon_kb"]),
        mb(&ours.open["anon_kb"]),
        ratio(&ours.open["anon_kb"], &bare.open["anon_kb"]),
        mb(&untuned.open["anon_kb"]),
        args.idle.as_secs(),
        cpu(bare.open_cpu),
        cpu(ours.open_cpu),
        mb(&bare_closed["pss_kb"]),
        mb(&closed["pss_kb"]),
        ratio(&closed["pss_kb"], &bare_closed["pss_kb"]),
        mb(&bare_closed["anon_kb"]),
        mb(&closed["anon_kb"]),
        ratio(&closed["anon_kb"], &bare_closed["anon_kb"]),
        bare.web_processes_closed.unwrap_or(0),
        ours.web_processes_closed.unwrap_or(0),
        args.idle.as_secs(),
        cpu(bare.closed_cpu),
        cpu(ours.closed_cpu),
        ratio(&closed["pss_kb"], &bare.open["pss_kb"]),
        reopens.slowest(),
        args.idle.as_secs(),
        reopens.tray_after_idle_ms,
        SETTLE.as_secs(),
        reopens.tray_after_settle_ms.iter().map(|ms| format!("{ms} ms")).collect::<Vec<_>>().join(" and "),
        SETTLE.as_secs(),
        reopens.launcher_after_settle_ms,
        page_breakdown(&paint_lines[1], &paint_lines[0]),
        processes(&bare.open),
        processes(&ours.open),
        processes(bare_closed),
        processes(closed),
    );
    let md = match &agent {
        Some((memory, cpu)) => format!(
            "{md}\nTray agent prototype (`bench/tray-agent`: core, vault unlocked, scheduler, tray; no WebKit): \
             whole-tree PSS {}, anonymous {}, idle CPU over {} s {cpu:.3} % ({}).\n",
            mb(&memory["pss_kb"]),
            mb(&memory["anon_kb"]),
            args.idle.as_secs(),
            processes(memory),
        ),
        None => md,
    };
    let md = match &chromium {
        Some(memory) => format!(
            "{md}\n{} as an Electron stand-in (`--app` window, the bare app's page, fresh profile), 30 s after start: \
             whole-tree PSS {}, anonymous {}; Evergreen with its window open is {:.2}× that PSS ({}).\n",
            chromium_version(args.chromium.as_deref()),
            mb(&memory["pss_kb"]),
            mb(&memory["anon_kb"]),
            ratio(&ours.open["pss_kb"], &memory["pss_kb"]),
            processes(memory),
        ),
        None => md,
    };
    std::fs::write(args.out.join("footprint.md"), &md).unwrap();
    println!("{md}");
}

fn chromium_version(binary: Option<&Path>) -> String {
    binary
        .and_then(|b| Command::new(b).arg("--version").output().ok())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
