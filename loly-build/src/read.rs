//! Reads one `events.rs` with `syn` and checks its handlers.

use std::collections::HashMap;

use loly_attrs::{AttrKind, EventArgs, check_event_name, check_hook_attribute};
use quote::ToTokens;

use crate::{Diagnostic, Event, Hook, HookKind, Route, Segment, walk::FoundRoute};

/// The Socket.IO namespace pattern for `segments`: `/chat`, `/game/{roomId}`, `/`.
pub(crate) fn namespace_of(segments: &[Segment]) -> String {
    if segments.is_empty() {
        return "/".into();
    }
    let mut namespace = String::new();
    for segment in segments {
        namespace.push('/');
        match segment {
            Segment::Static(name) => namespace.push_str(name),
            Segment::Param(name) => {
                namespace.push('{');
                namespace.push_str(name);
                namespace.push('}');
            }
        }
    }
    namespace
}

pub(crate) fn read_route(found: FoundRoute) -> Result<Route, Vec<Diagnostic>> {
    let file = found.file.clone();
    let at = |line: Option<usize>, message: String| Diagnostic::new(file.clone(), line, message);
    let source = std::fs::read_to_string(&found.absolute_file)
        .map_err(|err| vec![at(None, format!("cannot read the file: {err}"))])?;
    let syntax = syn::parse_file(&source).map_err(|err| {
        vec![at(
            Some(line_of(err.span())),
            format!("does not parse as Rust: {err}"),
        )]
    })?;

    let mut reader = FileReader::default();
    for item in &syntax.items {
        reader.item(item);
    }
    let FileReader {
        events,
        hooks,
        problems,
        annotated,
    } = reader;
    let mut problems: Vec<Diagnostic> = problems
        .into_iter()
        .map(|(line, message)| at(Some(line), message))
        .collect();
    if annotated == 0 {
        problems.push(at(
            None,
            "has no handler: annotate an `async fn` with #[wss_event] (or a hook with #[wss_auth], #[on_connect] or #[on_disconnect])".into(),
        ));
    }
    problems.extend(duplicate_events(&events).map(|(line, m)| at(Some(line), m)));
    problems.extend(duplicate_hooks(&hooks).map(|(line, m)| at(Some(line), m)));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Route {
        namespace: namespace_of(&found.segments),
        segments: found.segments,
        file: found.file,
        absolute_file: found.absolute_file,
        events,
        hooks,
    })
}

#[derive(Default)]
struct FileReader {
    events: Vec<Event>,
    hooks: Vec<Hook>,
    problems: Vec<(usize, String)>,
    /// Top-level functions carrying a Loly attribute, valid or not.
    annotated: usize,
}

impl FileReader {
    fn item(&mut self, item: &syn::Item) {
        match item {
            syn::Item::Fn(function) => self.function(function),
            syn::Item::Const(item) => self.legacy_list(&item.ident),
            syn::Item::Static(item) => self.legacy_list(&item.ident),
            syn::Item::Mod(module) => {
                for inner in module.content.iter().flat_map(|(_, items)| items) {
                    self.nested(inner);
                }
            }
            syn::Item::Impl(block) => {
                for inner in &block.items {
                    if let syn::ImplItem::Fn(function) = inner {
                        self.nested_attrs(&function.attrs, function.sig.ident.span());
                    }
                }
            }
            _ => {}
        }
    }

    fn nested(&mut self, item: &syn::Item) {
        if let syn::Item::Fn(function) = item {
            self.nested_attrs(&function.attrs, function.sig.ident.span());
        }
        if let syn::Item::Mod(module) = item {
            for inner in module.content.iter().flat_map(|(_, items)| items) {
                self.nested(inner);
            }
        }
    }

    fn nested_attrs(&mut self, attrs: &[syn::Attribute], span: proc_macro2::Span) {
        if let Some(kind) = attrs.iter().find_map(AttrKind::of) {
            self.problems.push((
                line_of(span),
                format!(
                    "#[{}] handlers must be top-level functions of events.rs, not inside a `mod` or `impl`",
                    kind.name()
                ),
            ));
        }
    }

    fn legacy_list(&mut self, ident: &syn::Ident) {
        if ident == "events" || ident == "EVENTS" {
            self.problems.push((
                line_of(ident.span()),
                format!(
                    "`{ident}` is the legacy list form of routes, which Loly no longer reads; annotate each handler with #[wss_event] instead (see docs/src/migration.md)"
                ),
            ));
        }
    }

    fn function(&mut self, function: &syn::ItemFn) {
        let ident = &function.sig.ident;
        let line = line_of(ident.span());
        let mut loly_attrs = function
            .attrs
            .iter()
            .filter_map(|attr| AttrKind::of(attr).map(|kind| (kind, attr)));
        let Some((kind, attr)) = loly_attrs.next() else {
            return;
        };
        self.annotated += 1;
        if let Some((second, _)) = loly_attrs.next() {
            self.problems.push((
                line,
                format!(
                    "`{ident}` carries both #[{}] and #[{}]; a function is one handler or one hook",
                    kind.name(),
                    second.name()
                ),
            ));
            return;
        }
        let function_name = ident.to_string();
        let hook = |kind| Hook {
            kind,
            function: function_name.clone(),
            line,
        };
        match kind {
            AttrKind::Event => match EventArgs::from_attribute(attr) {
                Ok(args) => {
                    let name = args.event_name(ident);
                    if let Err(message) = check_event_name(&name) {
                        self.problems.push((line, message));
                        return;
                    }
                    self.events.push(Event {
                        function: function_name,
                        name,
                        schema: args.schema.as_ref().map(tidy),
                        guard: args.guard.as_ref().map(tidy),
                        rate: args.rate.as_ref().map(|(_, text)| text.value()),
                        line,
                    });
                }
                Err(err) => self
                    .problems
                    .push((line_of(err.span()), format!("in #[wss_event]: {err}"))),
            },
            hook_kind => {
                if let Err(err) = check_hook_attribute(attr, hook_kind) {
                    self.problems.push((line_of(err.span()), err.to_string()));
                    return;
                }
                self.hooks.push(hook(match hook_kind {
                    AttrKind::Auth => HookKind::Auth,
                    AttrKind::Connect => HookKind::Connect,
                    _ => HookKind::Disconnect,
                }));
            }
        }
    }
}

fn duplicate_events(events: &[Event]) -> impl Iterator<Item = (usize, String)> + '_ {
    let mut first_seen: HashMap<&str, &Event> = HashMap::new();
    events.iter().filter_map(move |event| {
        match first_seen.insert(&event.name, event) {
            None => None,
            Some(first) => {
                // Keep the first one as the reference for later duplicates.
                first_seen.insert(&first.name, first);
                Some((
                    event.line,
                    format!(
                        "event `{}` is handled twice, by `{}` (line {}) and `{}`; rename one with #[wss_event(name = \"...\")]",
                        event.name, first.function, first.line, event.function
                    ),
                ))
            }
        }
    })
}

fn duplicate_hooks(hooks: &[Hook]) -> impl Iterator<Item = (usize, String)> + '_ {
    hooks.iter().enumerate().filter_map(move |(i, hook)| {
        let first = hooks[..i].iter().find(|h| h.kind == hook.kind)?;
        Some((
            hook.line,
            format!(
                "a namespace has one {} hook, and `{}` (line {}) is already one; merge `{}` into it",
                hook_name(hook.kind),
                first.function,
                first.line,
                hook.function
            ),
        ))
    })
}

fn hook_name(kind: HookKind) -> &'static str {
    match kind {
        HookKind::Auth => "#[wss_auth]",
        HookKind::Connect => "#[on_connect]",
        HookKind::Disconnect => "#[on_disconnect]",
    }
}

fn line_of(span: proc_macro2::Span) -> usize {
    span.start().line.max(1)
}

/// Renders tokens as a person writes them: `Vec<String>` rather than `Vec < String >`.
fn tidy(tokens: &impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    for part in text.split(' ') {
        let glue = matches!(part, "<" | ">" | "::" | "," | ")" | "]")
            || out.ends_with(['<', ':', '(', '[', '&']);
        if !out.is_empty() && !glue {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}
