use registry_core::api_function;

#[api_function]
fn login(user: String, #[arg(sensitive = true)] password: String, #[arg(secret)] otp: String) -> bool {
    !user.is_empty() && !password.is_empty() && !otp.is_empty()
}

fn main() {}
