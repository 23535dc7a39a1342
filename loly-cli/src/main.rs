//! `loly`: scaffold Loly realtime apps and list their routes.

mod routes_table;
mod scaffold;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "loly",
    version,
    about = "Loly realtime apps: scaffold and inspect"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new app in DIR: Cargo.toml, build.rs, src/main.rs, loly.toml and one route.
    New {
        /// The folder to create (must not exist, or be empty).
        dir: PathBuf,
        /// The package name; defaults to the folder's name.
        #[arg(long)]
        name: Option<String>,
        /// Depend on the Loly crates in this workspace folder instead of the default.
        #[arg(long, value_name = "DIR", conflicts_with = "loly_version")]
        loly_path: Option<PathBuf>,
        /// Depend on this published version of the Loly crates.
        #[arg(long, value_name = "VERSION")]
        loly_version: Option<String>,
    },
    /// Print the namespaces, events, schemas, guards and rates of an app.
    Routes {
        /// The app's folder (the one with Cargo.toml and app/wss).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New {
            dir,
            name,
            loly_path,
            loly_version,
        } => scaffold::new_app(
            &dir,
            name,
            scaffold::Source::choose(loly_path, loly_version),
        ),
        Command::Routes { dir } => routes_table::print(&dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
