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
    let last = count_from(env!("CARGO_BIN_EXE_unlinked"), &["list"]);
    assert_eq!(last, "0 functions");
}

/// The hint every refusal of an empty registry carries.
const HINT: &str = "add `use my_functions as _;`";

#[test]
fn an_empty_registry_is_refused_with_the_linking_hint() {
    for args in [&["serve", "--port", "0"][..], &["stdio"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_unlinked"))
            .args(args)
            .env("RUST_LOG", "off")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("no functions are registered") && stderr.contains(HINT),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("ServerConfig::allow_empty(true)"), "{stderr}");
    }
    // `list` answers, with the hint beside the count.
    let output = Command::new(env!("CARGO_BIN_EXE_unlinked"))
        .arg("list")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains(HINT));
}

#[test]
fn registry_errors_debug_as_their_message() {
    // What `Registry::from_inventory().expect(..)` in `main` prints.
    let err = Registry::builder().name("no_such_function").build().unwrap_err();
    assert_eq!(format!("{err:?}"), err.to_string());
    assert!(!format!("{err:?}").contains("UnknownName"), "{err:?}");
}
