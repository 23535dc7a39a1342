//! The benchmark's Loly server: `/echo` on the embedded defaults, with the
//! limits of `bench/loly.toml`; the port comes from `LOLY_PORT`.

loly_core::routes!();

fn main() -> std::process::ExitCode {
    loly_core::App::new(routes::all()).run()
}
