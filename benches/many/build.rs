//! Writes 999 generated functions `f000`..`f998`, each `(a: i64, b: i64) -> i64`
//! and documented; with `add` that makes 1,000.

use std::fmt::Write;

fn main() {
    let mut out = String::new();
    for i in 0..999 {
        writeln!(
            out,
            "/// Generated function {i}.\n///\n/// # Arguments\n/// * `a` - the first addend\n/// * `b` - the second addend\n#[api_function(tags = [\"many\"])]\npub fn f{i:03}(a: i64, b: i64) -> i64 {{\n    a + b + {i}\n}}\n"
        )
        .unwrap();
    }
    let dir = std::env::var("OUT_DIR").unwrap();
    std::fs::write(format!("{dir}/generated.rs"), out).unwrap();
    println!("cargo::rerun-if-changed=build.rs");
}
