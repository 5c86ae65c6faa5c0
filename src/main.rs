//! The native `podwire` binary: a thin front end over the core.

#[cfg(not(target_arch = "wasm32"))]
mod cli;

/// mimalloc: see Cargo.toml. (The wasm module keeps Rust's default allocator.)
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(cli::run());
}

#[cfg(target_arch = "wasm32")]
fn main() {}
