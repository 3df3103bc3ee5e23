use registry_core::api_function;

struct MyError;

#[api_function]
fn risky() -> Result<u64, MyError> {
    Err(MyError)
}

fn main() {}
