//! Generates the hashstats client from `openapi-3.0.json` (the server's
//! `GET /openapi-3.0.json`, saved beside this file by
//! tests/interop/openapi_progenitor.sh) with progenitor's `Generator`, and
//! keeps a formatted copy in `generated.rs` for reading.

fn main() {
    let spec = "openapi-3.0.json";
    println!("cargo:rerun-if-changed={spec}");
    let text = std::fs::read_to_string(spec).expect("the 3.0 document beside Cargo.toml");
    let document: openapiv3::OpenAPI = serde_json::from_str(&text).expect("progenitor's openapiv3 reads the document");
    let mut generator = progenitor::Generator::default();
    let tokens = generator
        .generate_tokens(&document)
        .unwrap_or_else(|err| panic!("progenitor cannot generate a client: {err}"));
    let file = syn::parse2(tokens).expect("progenitor's output parses");
    let code = prettyplease::unparse(&file);
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("codegen.rs");
    std::fs::write(&out, &code).expect("write the generated client");
    std::fs::write("generated.rs", &code).expect("write the readable copy");
}
