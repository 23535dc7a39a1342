//! `loly new`: writes a runnable app.

use std::path::{Path, PathBuf};

/// Where the new app takes the Loly crates from.
pub(crate) enum Source {
    /// A local checkout of the Loly workspace.
    Path(PathBuf),
    /// A published version.
    Version(String),
}

impl Source {
    /// `--loly-path`, else `--loly-version`, else the workspace this binary
    /// was built from when it is still there, else this binary's version.
    pub(crate) fn choose(path: Option<PathBuf>, version: Option<String>) -> Self {
        if let Some(path) = path {
            return Source::Path(path);
        }
        if let Some(version) = version {
            return Source::Version(version);
        }
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if workspace.join("loly-core/Cargo.toml").is_file() {
            let workspace = workspace.canonicalize().unwrap_or(workspace);
            return Source::Path(workspace);
        }
        Source::Version(env!("CARGO_PKG_VERSION").to_owned())
    }

    fn dependency(&self, krate: &str) -> String {
        match self {
            Source::Path(root) => {
                let path = root.join(krate);
                format!("{{ path = {:?} }}", path.to_string_lossy())
            }
            Source::Version(version) => format!("{version:?}"),
        }
    }
}

const CARGO_TOML: &str = include_str!("../templates/Cargo.toml.tmpl");
const BUILD_RS: &str = include_str!("../templates/build.rs.tmpl");
const MAIN_RS: &str = include_str!("../templates/main.rs.tmpl");
const LOLY_TOML: &str = include_str!("../templates/loly.toml.tmpl");
const EVENTS_RS: &str = include_str!("../templates/events.rs.tmpl");
const GITIGNORE: &str = include_str!("../templates/gitignore.tmpl");

pub(crate) fn new_app(dir: &Path, name: Option<String>, source: Source) -> Result<(), String> {
    if dir.exists() && dir.read_dir().map_err(|e| e.to_string())?.next().is_some() {
        return Err(format!(
            "{} exists and is not empty; pick a new folder",
            dir.display()
        ));
    }
    let name = match name {
        Some(name) => name,
        None => dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                format!(
                    "cannot take a package name from {}; pass --name",
                    dir.display()
                )
            })?,
    };
    check_package_name(&name)?;
    let cargo_toml = CARGO_TOML
        .replace("{name}", &name)
        .replace("{loly_core}", &source.dependency("loly-core"))
        .replace("{loly_build}", &source.dependency("loly-build"));
    let files: [(&str, &str); 6] = [
        ("Cargo.toml", &cargo_toml),
        ("build.rs", BUILD_RS),
        ("src/main.rs", MAIN_RS),
        ("loly.toml", LOLY_TOML),
        ("app/wss/chat/events.rs", EVENTS_RS),
        (".gitignore", GITIGNORE),
    ];
    for (path, contents) in files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, contents)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    println!("created {} ({name})", dir.display());
    println!("next: cd {} && cargo run", dir.display());
    Ok(())
}

fn check_package_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid package name: use letters, digits, `-` and `_` (pass --name)"
        ))
    }
}
