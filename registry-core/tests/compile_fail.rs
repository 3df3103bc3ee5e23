//! Every misuse of `#[api_function]` is a compile error that points at the
//! offending token and says what to write instead.
//!
//! The `.stderr` files are pinned to the toolchain the project builds with;
//! on another compiler the test is ignored with a visible reason rather than
//! passing vacuously.

#[rustversion::attr(not(stable(1.95)), ignore = "trybuild .stderr files are pinned to rustc 1.95 stable")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
