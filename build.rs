//! Warn at build time when `../shared/` (the law and the corpora) is absent: the tests
//! that read it then skip, and the skip should be visible without `--nocapture`.

fn main() {
    println!("cargo:rerun-if-changed=../shared/law");
    println!("cargo:rerun-if-changed=build.rs");
    if !std::path::Path::new("../shared/law").is_dir() {
        println!(
            "cargo:warning=../shared/ not found: tests on the law and the corpora will be SKIPPED (they run in .ci/run)"
        );
    }
}
