//! `inventory` only sees functions from crates the final binary names.

use std::process::Command;

use registry_core::Registry;
use registry_tests::EXPECTED_FUNCTIONS;

#[test]
fn an_integration_test_that_names_the_crate_sees_every_function() {
    let registry = Registry::from_inventory().unwrap();
    assert_eq!(registry.len(), EXPECTED_FUNCTIONS, "{registry:?}");
}

fn count_from(binary: &str, args: &[&str]) -> String {
    let output = Command::new(binary).args(args).output().expect("binary runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout.lines().last().unwrap_or_default().to_owned()
}

#[test]
fn a_binary_that_names_the_crate_sees_every_function() {
    let last = count_from(env!("CARGO_BIN_EXE_fixture-server"), &["list"]);
    assert_eq!(last, format!("{EXPECTED_FUNCTIONS} functions"));
}

#[test]
fn a_binary_that_does_not_name_the_crate_sees_none() {
    let last = count_from(env!("CARGO_BIN_EXE_unlinked"), &[]);
    assert_eq!(last, "0 functions");
}
