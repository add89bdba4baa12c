//! `cargo run -p uniffi-bindgen -- generate --library <liblifecert.so> --language kotlin ...`
//! Kept as its own binary so the bindgen version always matches the core's uniffi.
fn main() {
    uniffi::uniffi_bindgen_main()
}
