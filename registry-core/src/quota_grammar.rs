//! The rate-limit grammar, `"<calls>/<unit>"`: the one reader of it.
//!
//! This file depends on nothing but `std`: `registry-macros` includes it too
//! (`#[path]`), so `rate_limit = "..."` is refused at compile time exactly
//! when `Quota::from_str` would refuse it at run time.

/// `"<calls>/<unit>"` with unit `s`, `min` or `h` (spaces around either side
/// allowed) as a positive number of calls and the window in seconds.
pub(crate) fn parse(text: &str) -> Option<(u32, u64)> {
    let (calls, unit) = text.split_once('/')?;
    let calls = calls.trim();
    if calls.is_empty() || !calls.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs = match unit.trim() {
        "s" => 1,
        "min" => 60,
        "h" => 3600,
        _ => return None,
    };
    calls.parse::<u32>().ok().filter(|&n| n > 0).map(|n| (n, secs))
}

/// Texts the grammar refuses, for the tests of both crates.
#[cfg(test)]
pub(crate) const REFUSED: [&str; 11] = [
    "",
    "10",
    "/s",
    "0/s",
    "-1/s",
    "1.5/s",
    "10/m",
    "10/sec",
    "10/d",
    "99999999999/s",
    "10/s/s",
];
