//! `loly routes`: the namespaces of an app, read by the build's own scanner.

use std::path::Path;

use loly_build::{HookKind, Route};

pub(crate) fn print(dir: &Path) -> Result<(), String> {
    let routes = loly_build::scan(dir).map_err(|problems| {
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    print!("{}", render(&routes));
    Ok(())
}

fn render(routes: &[Route]) -> String {
    let header = ["NAMESPACE", "EVENT", "SCHEMA", "GUARD", "RATE", "FILE"];
    let mut rows: Vec<[String; 6]> = Vec::new();
    for route in routes {
        let hooks: Vec<&str> = route
            .hooks
            .iter()
            .map(|hook| match hook.kind {
                HookKind::Auth => "(auth)",
                HookKind::Connect => "(connect)",
                HookKind::Disconnect => "(disconnect)",
            })
            .collect();
        let file = route.file.display().to_string();
        if !hooks.is_empty() {
            rows.push([
                route.namespace.clone(),
                hooks.join(" "),
                "-".into(),
                "-".into(),
                "-".into(),
                file.clone(),
            ]);
        }
        for event in &route.events {
            rows.push([
                route.namespace.clone(),
                event.name.clone(),
                event.schema.clone().unwrap_or_else(|| "-".into()),
                event.guard.clone().unwrap_or_else(|| "-".into()),
                event.rate.clone().unwrap_or_else(|| "-".into()),
                format!("{file}:{}", event.line),
            ]);
        }
    }
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
    out
}
