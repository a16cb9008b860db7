//! The processes of an app under measurement, read from `/proc`: its tree, each one's
//! memory and CPU time. The one walker the harness tools share.

use std::collections::HashMap;

/// The process tree under `root` (itself included): pid → command name.
pub fn tree(root: u32) -> Vec<(u32, String)> {
    let mut parent_of = HashMap::new();
    let mut names = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let ppid = stat[close + 1..].split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
        names.insert(pid, stat[open + 1..close].to_string());
        if let Some(ppid) = ppid {
            parent_of.insert(pid, ppid);
        }
    }
    let mut out = vec![(root, names.get(&root).cloned().unwrap_or_default())];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i].0;
        for (&pid, &ppid) in &parent_of {
            if ppid == parent {
                out.push((pid, names.get(&pid).cloned().unwrap_or_default()));
            }
        }
        i += 1;
    }
    out
}

/// (PSS, private dirty) in kB of one process.
pub fn memory_of(pid: u32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("Pss:"), field("Private_Dirty:"))
}

/// CPU ticks (user + system) of one process.
pub fn ticks_of(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let at = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    at(11) + at(12)
}

/// Whole-tree PSS in kB.
pub fn tree_pss_kb(root: u32) -> u64 {
    tree(root).into_iter().map(|(pid, _)| memory_of(pid).0).sum()
}

/// Whole-tree CPU ticks (user + system) so far; a tick is 1/`CLK_TCK` s (100 on Linux).
pub fn tree_ticks(root: u32) -> u64 {
    tree(root).into_iter().map(|(pid, _)| ticks_of(pid)).sum()
}
