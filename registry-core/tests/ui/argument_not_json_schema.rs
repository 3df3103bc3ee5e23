use registry_core::api_function;

#[derive(serde::Deserialize)]
struct Point {
    x: f64,
}

#[api_function]
fn norm(point: Point) -> f64 {
    point.x.abs()
}

fn main() {}
