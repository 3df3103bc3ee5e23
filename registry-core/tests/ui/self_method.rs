use registry_core::api_function;

struct Miner;

impl Miner {
    #[api_function]
    fn hashrate(&self) -> u64 {
        1
    }
}

fn main() {}
