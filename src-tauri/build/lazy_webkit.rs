//! Generates the lazy WebKit binding that `src-tauri/src/lazy_webkit.rs` includes: one small
//! trampoline per function that WebKitGTK, JavaScriptCore and libsoup export, and the table
//! naming each one and its library.
//!
//! Why: linked the usual way, those three libraries and the ~100 they bring are mapped,
//! relocated and constructed before `main` runs: ~65 ms of every start on the reference
//! machine, more than half of a login start's time to an unlocked vault, during which nothing
//! of Evergreen's can run. The binary defines their functions itself instead (hidden, so the
//! libraries never see them), and the linker's `--as-needed` then records no dependency on the
//! libraries; the first call of any of them loads all three (`dlopen`) and binds them all, on
//! the main thread, while the async threads already open the profile and the vault.
//! glibc has no lazily loaded dependencies (Solaris' `-z lazyload`), and no crate generates
//! such stubs; Implib.so does the same for C projects.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use object::read::elf::{Dyn as _, FileHeader as _};
use object::{Object as _, ObjectSymbol as _};

/// The libraries loaded on first use: pkg-config name, the library's file stem, and the
/// prefix of its C API (the only names the Rust bindings call).
const LIBRARIES: [(&str, &str, &str); 3] = [
    ("webkit2gtk-4.1", "webkit2gtk-4.1", "webkit_"),
    ("javascriptcoregtk-4.1", "javascriptcoregtk-4.1", "jsc_"),
    ("libsoup-3.0", "soup-3.0", "soup_"),
];

/// A library to load on first use.
struct Library {
    /// What `dlopen` is given: the name the library is installed under for programs.
    soname: String,
    /// The functions it exports under its prefix, sorted.
    functions: Vec<String>,
}

/// Write `lazy_webkit.s` and `lazy_webkit.rs` into `out_dir` for an x86-64 Linux target, or
/// nothing for any other (the binary then links the libraries the usual way).
pub fn generate(out_dir: &Path) {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if target_os != "linux" || target_arch != "x86_64" {
        return;
    }
    let libraries: Vec<Library> = LIBRARIES
        .iter()
        .map(|&(package, stem, prefix)| {
            let path = installed(package, stem);
            println!("cargo::rerun-if-changed={}", path.display());
            read(&path, prefix)
        })
        .collect();
    std::fs::write(out_dir.join("lazy_webkit.s"), assembly(&libraries)).expect("write lazy_webkit.s");
    std::fs::write(out_dir.join("lazy_webkit.rs"), table(&libraries)).expect("write lazy_webkit.rs");
    println!("cargo::rustc-cfg=lazy_webkit");
}

/// The development file (`lib<stem>.so`) of a pkg-config package.
fn installed(package: &str, stem: &str) -> PathBuf {
    let libdir = pkg_config::get_variable(package, "libdir")
        .unwrap_or_else(|e| panic!("pkg-config cannot find {package} (install its -dev package): {e}"));
    let path = Path::new(&libdir).join(format!("lib{stem}.so"));
    assert!(path.exists(), "{} is missing (install {package}'s -dev package)", path.display());
    path
}

/// The soname and the exported functions under `prefix` of the ELF library at `path`.
fn read(path: &Path, prefix: &str) -> Library {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let file = object::File::parse(&*data).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
    let mut functions: Vec<String> = file
        .dynamic_symbols()
        .filter(|symbol| {
            symbol.is_definition() && symbol.is_global() && symbol.kind() == object::SymbolKind::Text
        })
        .filter_map(|symbol| symbol.name().ok().map(str::to_owned))
        .filter(|name| name.starts_with(prefix))
        .collect();
    functions.sort();
    functions.dedup();
    assert!(!functions.is_empty(), "{} exports no {prefix}* function", path.display());
    Library { soname: soname(&data).unwrap_or_else(|| panic!("{} has no soname", path.display())), functions }
}

/// The library's `DT_SONAME`.
fn soname(data: &[u8]) -> Option<String> {
    let header = object::elf::FileHeader64::<object::Endianness>::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let sections = header.sections(endian, data).ok()?;
    let (entries, link) = sections.dynamic(endian, data).ok()??;
    let strings = sections.strings(endian, data, link).ok()?;
    entries
        .iter()
        .find(|entry| entry.d_tag(endian) == object::elf::DT_SONAME)
        .and_then(|entry| entry.string(endian, strings).ok())
        .map(|name| String::from_utf8_lossy(name).into_owned())
}

/// Every function, in table order, with its library's index.
fn functions(libraries: &[Library]) -> impl Iterator<Item = (usize, &str)> {
    libraries
        .iter()
        .enumerate()
        .flat_map(|(index, library)| library.functions.iter().map(move |name| (index, name.as_str())))
}

/// The trampolines (AT&T syntax, for `global_asm!`). A call of `f` puts its index in `%r11`
/// (scratch in the System V ABI, never an argument) and jumps through its slot. Every slot
/// starts at `evergreen_lazy_webkit_bind`, which keeps every argument register, asks the
/// resolver for the address (the resolver loads the libraries and fills every slot, then
/// makes the table read-only, as full RELRO does for the GOT) and jumps there, so later calls
/// cost one indirect jump. `%rax` is kept too: a variadic call passes its count of vector
/// registers in `%al`. A function the installed libraries lack has its slot at
/// `evergreen_lazy_webkit_missing`, which says which and ends the process, as the dynamic
/// loader would have at start.
fn assembly(libraries: &[Library]) -> String {
    let count = functions(libraries).count();
    let mut s = String::new();
    s.push_str("    .pushsection .text.evergreen_lazy_webkit,\"ax\",@progbits\n");
    for (slot, (_, name)) in functions(libraries).enumerate() {
        writeln!(
            s,
            "    .p2align 4\n    .globl {name}\n    .hidden {name}\n    .type {name},@function\n{name}:\n    \
             .cfi_startproc\n    movl ${slot}, %r11d\n    jmp *evergreen_lazy_webkit_slots+{offset}(%rip)\n    \
             .cfi_endproc\n    .size {name}, .-{name}",
            offset = slot * 8
        )
        .expect("write to a String");
    }
    s.push_str(&format!(
        "    .p2align 4
    .type evergreen_lazy_webkit_bind,@function
evergreen_lazy_webkit_bind:
{FRAME}    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %r8
    pushq %r9
    pushq %rax
    pushq %r11
    subq $128, %rsp
    movdqu %xmm0, 0(%rsp)
    movdqu %xmm1, 16(%rsp)
    movdqu %xmm2, 32(%rsp)
    movdqu %xmm3, 48(%rsp)
    movdqu %xmm4, 64(%rsp)
    movdqu %xmm5, 80(%rsp)
    movdqu %xmm6, 96(%rsp)
    movdqu %xmm7, 112(%rsp)
    movq %r11, %rdi
    call evergreen_lazy_webkit_resolve@PLT
    movq %rax, %r11
    movdqu 0(%rsp), %xmm0
    movdqu 16(%rsp), %xmm1
    movdqu 32(%rsp), %xmm2
    movdqu 48(%rsp), %xmm3
    movdqu 64(%rsp), %xmm4
    movdqu 80(%rsp), %xmm5
    movdqu 96(%rsp), %xmm6
    movdqu 112(%rsp), %xmm7
    addq $128, %rsp
    popq %r10
    popq %rax
    popq %r9
    popq %r8
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    popq %rbp
    .cfi_def_cfa %rsp, 8
    .cfi_restore %rbp
    jmp *%r11
    .cfi_endproc
    .size evergreen_lazy_webkit_bind, .-evergreen_lazy_webkit_bind

    .p2align 4
    .globl evergreen_lazy_webkit_missing
    .hidden evergreen_lazy_webkit_missing
    .type evergreen_lazy_webkit_missing,@function
evergreen_lazy_webkit_missing:
{FRAME}    andq $-16, %rsp
    movq %r11, %rdi
    call evergreen_lazy_webkit_absent@PLT
    ud2
    .cfi_endproc
    .size evergreen_lazy_webkit_missing, .-evergreen_lazy_webkit_missing
    .popsection
"
    ));
    // The table fills whole pages of its own, so making it read-only touches nothing else.
    writeln!(
        s,
        "    .pushsection .data.rel.evergreen_lazy_webkit,\"aw\",@progbits\n    .p2align 12\n    \
         .globl evergreen_lazy_webkit_slots\n    .hidden evergreen_lazy_webkit_slots\n\
         evergreen_lazy_webkit_slots:\n    .rept {count}\n    .quad evergreen_lazy_webkit_bind\n    .endr\n    \
         .p2align 12\n    .popsection"
    )
    .expect("write to a String");
    s
}

/// The frame both stubs that call into Rust open: `%rbp` saved and the call frame described,
/// so a backtrace taken inside the resolver reaches the WebKit caller.
const FRAME: &str = "    .cfi_startproc
    pushq %rbp
    .cfi_def_cfa_offset 16
    .cfi_offset %rbp, -16
    movq %rsp, %rbp
    .cfi_def_cfa_register %rbp
";

/// The Rust side of the table: each library's soname, and each slot's name and library.
fn table(libraries: &[Library]) -> String {
    let mut s = String::new();
    writeln!(
        s,
        "/// What `dlopen` loads, in order.\npub(crate) static LIBRARIES: [&std::ffi::CStr; {}] = [",
        libraries.len()
    )
    .expect("write to a String");
    for library in libraries {
        writeln!(s, "    c{:?},", library.soname).expect("write to a String");
    }
    s.push_str("];\n");
    let count = functions(libraries).count();
    writeln!(
        s,
        "/// Each slot's function and the index of its library in `LIBRARIES`.\n\
         pub(crate) static FUNCTIONS: [(&std::ffi::CStr, u8); {count}] = ["
    )
    .expect("write to a String");
    for (library, name) in functions(libraries) {
        writeln!(s, "    (c{name:?}, {library}),").expect("write to a String");
    }
    s.push_str("];\n");
    s
}
