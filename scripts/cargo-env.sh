# Sourced by test.sh and demo.sh: one build of the workspace serves both.
# clippy-driver compiles the workspace's own crates (as `cargo clippy` runs
# it, warnings denied); a separate `cargo clippy` would compile every
# dependency a second time, in check mode.
export RUSTC_WORKSPACE_WRAPPER
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)"
# How cargo-clippy hands `-- -D warnings` to clippy-driver.
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
features=(--workspace --features lifecert-ffi/testing)
