use registry_core::api_function;

/// A range on a string and a pattern on a number: the type does not take them.
#[api_function]
fn mismatched(#[arg(range(min = 1))] name: String, #[arg(pattern = "^[0-9]+$")] count: u32) -> String {
    format!("{name} {count}")
}

fn main() {}
