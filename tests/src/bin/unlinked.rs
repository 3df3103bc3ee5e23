//! A binary that never names `registry_tests`: `inventory` sees none of its
//! functions. `tests/linking.rs` runs it to show why `use crate as _;` matters.

fn main() {
    let count = registry_core::Registry::from_inventory()
        .map(|r| r.len())
        .unwrap_or(usize::MAX);
    println!("{count} functions");
}
