//! Checks handler signatures and fills in `Ctx`'s type arguments.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, Type, parse_quote, spanned::Spanned};

/// The name every macro uses for the namespace's user type. `#[wss_auth]`
/// declares it; elsewhere it comes from `loly_core::__private::default_user`.
pub(crate) fn user_type() -> TokenStream {
    quote!(__LolyUser)
}

/// The glob import that provides the default user type (no auth hook: `NoUser`).
/// An explicit `type __LolyUser` from `#[wss_auth]` in the same module shadows it.
pub(crate) fn default_user_import() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use ::loly_core::__private::default_user::*;
    }
}

/// Refuses what no handler can be: sync functions, generics, methods.
pub(crate) fn check_shape(function: &ItemFn, what: &str) -> syn::Result<()> {
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            format!("{what} must be an `async fn`"),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            format!("{what} cannot be generic"),
        ));
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        return Err(syn::Error::new(
            receiver.span(),
            format!("{what} is a free function, not a method"),
        ));
    }
    Ok(())
}

/// The `Ctx` argument of a handler, after filling in its type arguments.
pub(crate) struct CtxArg {
    /// The payload type.
    pub data: Type,
    /// Set when the user named a user type: it must equal the namespace's.
    pub explicit_user: Option<Type>,
}

/// Reads the `Ctx<..>` type of `arg` and rewrites it in place to
/// `Ctx<Data, User>`, with `default_data` and the namespace's user type
/// filling what the user left out.
pub(crate) fn fill_ctx(arg: &mut FnArg, default_data: Type, hint: &str) -> syn::Result<CtxArg> {
    let FnArg::Typed(pat_type) = arg else {
        return Err(syn::Error::new(arg.span(), hint));
    };
    let Type::Path(type_path) = pat_type.ty.as_mut() else {
        return Err(syn::Error::new(pat_type.ty.span(), hint));
    };
    let Some(last) = type_path.path.segments.last_mut() else {
        return Err(syn::Error::new(type_path.span(), hint));
    };
    if last.ident != "Ctx" {
        return Err(syn::Error::new(last.ident.span(), hint));
    }
    let mut given: Vec<Type> = Vec::new();
    match &last.arguments {
        PathArguments::None => {}
        PathArguments::AngleBracketed(args) => {
            for arg in &args.args {
                match arg {
                    GenericArgument::Type(ty) => given.push(ty.clone()),
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "`Ctx` takes types only: `Ctx<Payload>` or `Ctx<Payload, User>`",
                        ));
                    }
                }
            }
        }
        PathArguments::Parenthesized(args) => return Err(syn::Error::new(args.span(), hint)),
    }
    if given.len() > 2 {
        return Err(syn::Error::new(
            last.arguments.span(),
            "`Ctx` takes at most two types: `Ctx<Payload, User>`",
        ));
    }
    let mut given = given.into_iter();
    let data = given.next().unwrap_or(default_data);
    let explicit_user = given.next();
    let user = user_type();
    let user_arg: Type = match &explicit_user {
        Some(ty) => ty.clone(),
        None => parse_quote!(#user),
    };
    last.arguments = PathArguments::AngleBracketed(parse_quote!(<#data, #user_arg>));
    Ok(CtxArg {
        data,
        explicit_user,
    })
}

/// When the user names a user type in `Ctx<_, User>`, a check that it is the
/// one the namespace's auth hook returns, reported at the user's type.
pub(crate) fn user_check(ctx: &CtxArg) -> TokenStream {
    let Some(explicit) = &ctx.explicit_user else {
        return TokenStream::new();
    };
    let user = user_type();
    let span = explicit.span();
    let assert = quote_spanned! {span=>
        ::loly_core::__private::same_user_type::<#explicit, #user>
    };
    quote! {
        const _: () = {
            #[allow(dead_code)]
            fn __loly_user_check() { #assert(); }
        };
    }
}

/// Requires two types to be equal, with the error at `span`.
pub(crate) fn same_type_check(given: &Type, expected: &Type, span: Span) -> TokenStream {
    let assert = quote_spanned! {span=>
        ::loly_core::__private::same_payload_type::<#given, #expected>
    };
    quote! {
        const _: () = {
            #[allow(dead_code)]
            fn __loly_payload_check() { #assert(); }
        };
    }
}
