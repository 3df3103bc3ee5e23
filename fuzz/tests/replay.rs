//! Replays the seed corpus (and any crashes cargo-fuzz saved) through the
//! fuzz checks on stable Rust: `cargo test --manifest-path fuzz/Cargo.toml`.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in [root.join("corpus").join(target), root.join("artifacts").join(target)] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.is_file() {
                check(&std::fs::read(&path).expect("readable"));
                count += 1;
            }
        }
    }
    assert!(count > 0, "no seeds for {target}");
}

#[test]
fn jsonrpc_decode_corpus() {
    replay("jsonrpc_decode", registry_fuzz::jsonrpc_decode);
}

#[test]
fn arguments_corpus() {
    replay("arguments", registry_fuzz::arguments);
}

#[test]
fn authorization_corpus() {
    replay("authorization", registry_fuzz::authorization);
}
