#[path = "build/lazy_webkit.rs"]
mod lazy_webkit;

fn main() {
    // Capabilities live beside the app's sources, not at the repository root.
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*");
    tauri_build::try_build(attributes).expect("failed to run tauri-build");
    println!("cargo::rustc-check-cfg=cfg(lazy_webkit)");
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    lazy_webkit::generate(std::path::Path::new(&out_dir));
}
