use registry_core::api_function;

/// Malformed constraints, each named at its own token.
#[api_function]
fn constrained(
    #[arg(range(min = 10, max = 1))] count: u8,
    #[arg(range(low = 1))] other: u8,
    #[arg(pattern = "([a-z]+")] name: String,
    #[arg(format = "phone")] phone: String,
    #[arg(multiple_of = 0)] step: u32,
    #[arg(length(min = -1))] tags: Vec<String>,
) -> String {
    format!("{count} {other} {name} {phone} {step} {tags:?}")
}

fn main() {}
