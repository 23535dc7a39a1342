//! `#[wss_auth]`, `#[on_connect]` and `#[on_disconnect]`.

use loly_attrs::registration_ident;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{
    GenericArgument, ItemFn, PathArguments, ReturnType, Type, parse_quote, spanned::Spanned,
};

use crate::signature::{check_shape, default_user_import, fill_ctx, user_check, user_type};

/// Which hook is being expanded.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Auth,
    Connect,
    Disconnect,
}

impl Kind {
    fn attribute(self) -> &'static str {
        match self {
            Kind::Auth => "#[wss_auth]",
            Kind::Connect => "#[on_connect]",
            Kind::Disconnect => "#[on_disconnect]",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Kind::Auth => "an auth hook is `async fn(hs: &Handshake) -> Result<Option<User>>`",
            Kind::Connect => {
                "a connect hook is `async fn(ctx: Ctx)`, returning `()` or `Result<()>`"
            }
            Kind::Disconnect => {
                "a disconnect hook is `async fn(ctx: Ctx, reason: DisconnectReason)`, returning `()` or `Result<()>`"
            }
        }
    }
}

pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !args.is_empty() {
        return Err(syn::Error::new(
            args.span(),
            format!("{} takes no arguments", kind.attribute()),
        ));
    }
    let mut function: ItemFn = syn::parse2(item)?;
    check_shape(&function, &format!("a {} hook", kind.attribute()))?;
    let ident = function.sig.ident.clone();
    let registration = registration_ident(&ident);
    let user = user_type();
    let import = default_user_import();
    let handler = quote_spanned! {ident.span()=> #ident};

    let expected_args = match kind {
        Kind::Auth | Kind::Connect => 1,
        Kind::Disconnect => 2,
    };
    if function.sig.inputs.len() != expected_args {
        return Err(syn::Error::new(function.sig.inputs.span(), kind.hint()));
    }

    let body = match kind {
        Kind::Auth => {
            let auth_user = auth_user_type(&function.sig.output, kind.hint())?;
            quote! {
                type __LolyUser = #auth_user;

                #[doc(hidden)]
                #[allow(private_interfaces, non_snake_case)]
                pub(crate) fn #registration() -> ::loly_core::__private::AuthDef<#user> {
                    fn __loly_call<'a>(
                        hs: &'a ::loly_core::Handshake,
                    ) -> ::loly_core::__private::BoxFuture<'a, ::loly_core::Result<::core::option::Option<#user>>> {
                        ::std::boxed::Box::pin(async move {
                            ::loly_core::__private::into_auth_result(#handler(hs).await)
                        })
                    }
                    ::loly_core::__private::AuthDef::new(__loly_call)
                }
            }
        }
        Kind::Connect | Kind::Disconnect => {
            let unit: Type = parse_quote!(());
            let ctx = fill_ctx(&mut function.sig.inputs[0], unit, kind.hint())?;
            if !matches!(&ctx.data, Type::Tuple(t) if t.elems.is_empty()) {
                return Err(syn::Error::new(
                    ctx.data.span(),
                    format!(
                        "{} hooks carry no payload: write `Ctx` or `Ctx<(), User>`",
                        kind.attribute()
                    ),
                ));
            }
            let check = user_check(&ctx);
            let constructor = match kind {
                Kind::Connect => quote!(ConnectDef),
                _ => quote!(DisconnectDef),
            };
            quote! {
                #import
                #check

                #[doc(hidden)]
                #[allow(private_interfaces, non_snake_case)]
                pub(crate) fn #registration() -> ::loly_core::__private::#constructor<#user> {
                    ::loly_core::__private::#constructor::new(#handler)
                }
            }
        }
    };

    Ok(quote! {
        #function
        #body
    })
}

/// `User` in `Result<Option<User>>` (or `Result<Option<User>, E>`).
fn auth_user_type(output: &ReturnType, hint: &str) -> syn::Result<Type> {
    let ReturnType::Type(_, ty) = output else {
        return Err(syn::Error::new(output.span(), hint));
    };
    let option = first_type_argument(ty).ok_or_else(|| syn::Error::new(ty.span(), hint))?;
    match option {
        Type::Path(path)
            if path
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Option") =>
        {
            first_type_argument(option)
                .cloned()
                .ok_or_else(|| syn::Error::new(option.span(), hint))
        }
        other => Err(syn::Error::new(
            other.span(),
            format!(
                "{hint}: `Ok(Some(user))` signs the socket in, `Ok(None)` lets it in anonymously, `Err(..)` refuses it"
            ),
        )),
    }
}

fn first_type_argument(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}
