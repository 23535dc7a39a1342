//! The grammar of Loly's route attributes.
//!
//! `loly-build` (which reads `events.rs` files before they compile) and
//! `loly-macros` (which expands them) must agree on what
//! `#[wss_event(name = "...", schema = T, guard = path, rate = "10/s, burst 20")]`
//! means. Both parse it with this crate, so a route means the same thing to
//! the build script and to the compiler.

mod event_name;
mod rate;

pub use event_name::{RESERVED_PREFIX, check_event_name};
pub use rate::{Rate, RateError};

use syn::{
    Attribute, Ident, LitStr, Path, Token, Type,
    parse::{Parse, ParseStream},
    spanned::Spanned,
};

/// Which Loly attribute an item carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    /// `#[wss_event(...)]`: an event handler.
    Event,
    /// `#[wss_auth]`: the namespace's auth hook.
    Auth,
    /// `#[on_connect]`: runs once a socket has connected.
    Connect,
    /// `#[on_disconnect]`: runs when a socket leaves.
    Disconnect,
}

impl AttrKind {
    /// The attribute's name as a user writes it.
    pub fn name(self) -> &'static str {
        match self {
            AttrKind::Event => "wss_event",
            AttrKind::Auth => "wss_auth",
            AttrKind::Connect => "on_connect",
            AttrKind::Disconnect => "on_disconnect",
        }
    }

    /// Recognises a Loly attribute by the last segment of its path, so both
    /// `#[wss_event]` and `#[loly_core::wss_event]` count.
    pub fn of(attr: &Attribute) -> Option<Self> {
        let last = attr.path().segments.last()?;
        [Self::Event, Self::Auth, Self::Connect, Self::Disconnect]
            .into_iter()
            .find(|kind| last.ident == kind.name())
    }
}

/// The arguments of `#[wss_event(...)]`, each optional.
#[derive(Default)]
pub struct EventArgs {
    /// `name = "sendMessage"`: the event name, when it differs from the function name.
    pub name: Option<LitStr>,
    /// `schema = Type`: the payload is decoded as this type and validated.
    pub schema: Option<Type>,
    /// `guard = path`: a function deciding whether the event may run.
    pub guard: Option<Path>,
    /// `rate = "10/s, burst 20"`: this event's own token bucket.
    pub rate: Option<(Rate, LitStr)>,
}

impl EventArgs {
    /// Parses the arguments of a `#[wss_event]` attribute as written on an item.
    pub fn from_attribute(attr: &Attribute) -> syn::Result<Self> {
        match &attr.meta {
            syn::Meta::Path(_) => Ok(Self::default()),
            syn::Meta::List(list) => list.parse_args(),
            syn::Meta::NameValue(nv) => Err(syn::Error::new(
                nv.span(),
                "write `#[wss_event]` or `#[wss_event(name = \"...\", schema = Type, guard = path, rate = \"10/s\")]`",
            )),
        }
    }

    /// The event name: `name = "..."` when given, otherwise the function name.
    pub fn event_name(&self, function: &Ident) -> String {
        match &self.name {
            Some(name) => name.value(),
            None => {
                let name = function.to_string();
                name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
            }
        }
    }
}

impl Parse for EventArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = EventArgs::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "name" => {
                    let name: LitStr = input.parse()?;
                    check_event_name(&name.value()).map_err(|e| syn::Error::new(name.span(), e))?;
                    set_once(&mut args.name, name, &key)?;
                }
                "schema" => set_once(&mut args.schema, input.parse()?, &key)?,
                "guard" => set_once(&mut args.guard, input.parse()?, &key)?,
                "rate" => {
                    let text: LitStr = input.parse()?;
                    let rate =
                        Rate::parse(&text.value()).map_err(|e| syn::Error::new(text.span(), e))?;
                    set_once(&mut args.rate, (rate, text), &key)?;
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown key `{other}` in #[wss_event]; the keys are `name`, `schema`, `guard` and `rate`"
                        ),
                    ));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, key: &Ident) -> syn::Result<()> {
    if slot.replace(value).is_some() {
        return Err(syn::Error::new(
            key.span(),
            format!("`{key}` is given twice in #[wss_event]"),
        ));
    }
    Ok(())
}

/// Checks that a hook attribute (`#[wss_auth]`, `#[on_connect]`, `#[on_disconnect]`) has no arguments.
pub fn check_hook_attribute(attr: &Attribute, kind: AttrKind) -> syn::Result<()> {
    match &attr.meta {
        syn::Meta::Path(_) => Ok(()),
        other => Err(syn::Error::new(
            other.span(),
            format!("#[{}] takes no arguments", kind.name()),
        )),
    }
}

/// The name of the hidden item that `loly-macros` emits beside an annotated
/// function and that the generated registry calls: `__loly_<fn>`.
pub fn registration_ident(function: &Ident) -> Ident {
    let name = function.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    Ident::new(&format!("__loly_{name}"), function.span())
}
