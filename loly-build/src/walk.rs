//! Finds the `events.rs` files under `app/wss` and turns folders into namespaces.

use std::{
    collections::{BTreeMap, HashSet},
    path::{Path, PathBuf},
};

use walkdir::WalkDir;

use crate::{APP_DIR, Diagnostic, Segment};

/// An `events.rs` and the namespace its folder gives, before the file is read.
pub(crate) struct FoundRoute {
    pub segments: Vec<Segment>,
    pub file: PathBuf,
    pub absolute_file: PathBuf,
}

/// Files that mean a TypeScript route was left behind.
const FOREIGN_ROUTE_FILES: &[&str] = &["events.ts", "events.tsx", "events.js", "events.mjs"];

pub(crate) fn find_routes(crate_root: &Path) -> Result<Vec<FoundRoute>, Vec<Diagnostic>> {
    let app_dir = crate_root.join(APP_DIR);
    if !app_dir.is_dir() {
        return Err(vec![Diagnostic::new(
            PathBuf::from(APP_DIR),
            None,
            "folder not found: put each namespace in app/wss/<name>/events.rs (`loly new` creates one)",
        )]);
    }
    let mut routes = Vec::new();
    let mut problems = Vec::new();
    let walker = WalkDir::new(&app_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().map(Path::to_path_buf).unwrap_or(app_dir.clone());
                problems.push(Diagnostic::new(
                    relative(crate_root, &path),
                    None,
                    err.to_string(),
                ));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let file = relative(crate_root, entry.path());
        if FOREIGN_ROUTE_FILES.contains(&name.as_ref()) {
            problems.push(Diagnostic::new(
                file,
                None,
                "a TypeScript/JavaScript route file is left under app/wss; port its handlers to an `events.rs` beside it (see docs/src/migration.md) and delete this file",
            ));
            continue;
        }
        if name != "events.rs" {
            continue;
        }
        let folder = entry
            .path()
            .parent()
            .and_then(|p| p.strip_prefix(&app_dir).ok())
            .unwrap_or(Path::new(""));
        match segments_of(folder) {
            Ok(segments) => routes.push(FoundRoute {
                segments,
                file,
                absolute_file: entry.path().to_path_buf(),
            }),
            Err(message) => problems.push(Diagnostic::new(file, None, message)),
        }
    }
    problems.extend(conflicts(&routes));
    if problems.is_empty() {
        Ok(routes)
    } else {
        Err(problems)
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

pub(crate) fn relative(crate_root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(crate_root).unwrap_or(path).to_path_buf()
}

/// Turns `game/[roomId]` into its segments. `(group)` folders only organise
/// files and add no segment.
fn segments_of(folder: &Path) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut params = HashSet::new();
    for part in folder.components() {
        let part = part.as_os_str().to_string_lossy();
        if let Some(inner) = part.strip_prefix('[') {
            let Some(name) = inner.strip_suffix(']') else {
                return Err(format!(
                    "folder `{part}` opens `[` without closing it; a parameter folder is named like `[roomId]`"
                ));
            };
            if !is_identifier(name) {
                return Err(format!(
                    "parameter folder `{part}` must name an identifier (letters, digits and `_`, not starting with a digit), like `[roomId]`; rename the folder"
                ));
            }
            if !params.insert(name.to_string()) {
                return Err(format!(
                    "parameter `{name}` appears twice in this path; give each parameter folder its own name"
                ));
            }
            segments.push(Segment::Param(name.to_string()));
        } else if part.starts_with('(') && part.ends_with(')') && part.len() > 2 {
            // A route group: organises folders without adding to the namespace.
        } else if part.chars().all(is_static_char) {
            segments.push(Segment::Static(part.into_owned()));
        } else {
            return Err(format!(
                "folder `{part}` cannot be part of a namespace; use letters, digits, `-`, `_`, `.` and `~`, `[name]` for a parameter or `(name)` for a group"
            ));
        }
    }
    Ok(segments)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphabetic() || first == '_' => {}
        _ => return false,
    }
    name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_static_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')
}

/// Two routes conflict when they match the same paths: the same static
/// parts, and parameters (whatever their names) in the same places.
fn conflicts(routes: &[FoundRoute]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<String, &FoundRoute> = BTreeMap::new();
    let mut problems = Vec::new();
    for route in routes {
        let shape = shape_of(&route.segments);
        match seen.get(&shape) {
            None => {
                seen.insert(shape, route);
            }
            Some(first) => {
                let ns = crate::read::namespace_of(&route.segments);
                let first_ns = crate::read::namespace_of(&first.segments);
                let message = if ns == first_ns {
                    format!(
                        "gives the namespace `{ns}`, which `{}` gives too; keep one of the two files",
                        first.file.display()
                    )
                } else {
                    format!(
                        "its namespace `{ns}` conflicts with `{first_ns}` from `{}`: both match the same paths; keep one folder, or give both the same parameter name and merge them",
                        first.file.display()
                    )
                };
                problems.push(Diagnostic::new(route.file.clone(), None, message));
            }
        }
    }
    problems
}

fn shape_of(segments: &[Segment]) -> String {
    let mut shape = String::new();
    for segment in segments {
        shape.push('/');
        match segment {
            Segment::Static(name) => shape.push_str(name),
            Segment::Param(_) => shape.push_str("{}"),
        }
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_become_segments() {
        let segments = segments_of(Path::new("org/[orgId]/(rooms)/room/[roomId]")).unwrap();
        assert_eq!(
            segments,
            vec![
                Segment::Static("org".into()),
                Segment::Param("orgId".into()),
                Segment::Static("room".into()),
                Segment::Param("roomId".into()),
            ]
        );
        assert_eq!(segments_of(Path::new("")).unwrap(), vec![]);
    }

    #[test]
    fn bad_folders_are_refused() {
        for bad in [
            "[room-id]",
            "[]",
            "[1st]",
            "[_]",
            "[open",
            "a b",
            "x/[id]/[id]",
        ] {
            assert!(segments_of(Path::new(bad)).is_err(), "{bad}");
        }
    }
}
