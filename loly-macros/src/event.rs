//! `#[wss_event]`.

use loly_attrs::{EventArgs, check_event_name, registration_ident};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{ItemFn, LitStr, Type, parse_quote, spanned::Spanned};

use crate::signature::{
    check_shape, default_user_import, fill_ctx, same_type_check, user_check, user_type,
};

const SIGNATURE_HINT: &str =
    "an event handler takes one argument, `ctx: Ctx<Payload>`, and returns `()` or `Result<T>`";

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args: EventArgs = syn::parse2(args)?;
    let mut function: ItemFn = syn::parse2(item)?;
    check_shape(&function, "a #[wss_event] handler")?;
    let ident = function.sig.ident.clone();
    let name = args.event_name(&ident);
    check_event_name(&name).map_err(|e| syn::Error::new(ident.span(), e))?;

    if function.sig.inputs.len() != 1 {
        return Err(syn::Error::new(function.sig.inputs.span(), SIGNATURE_HINT));
    }
    let default_data: Type = match &args.schema {
        Some(schema) => schema.clone(),
        None => parse_quote!(::loly_core::__private::serde_json::Value),
    };
    let ctx = fill_ctx(&mut function.sig.inputs[0], default_data, SIGNATURE_HINT)?;
    let payload_check = match &args.schema {
        Some(schema) => same_type_check(&ctx.data, schema, ctx.data.span()),
        None => TokenStream::new(),
    };
    let user_check = user_check(&ctx);

    let data = &ctx.data;
    let decode = match &args.schema {
        Some(schema) => quote_spanned! {schema.span()=>
            ::loly_core::__private::decode_validated::<#schema>
        },
        None => quote_spanned! {data.span()=>
            ::loly_core::__private::decode_plain::<#data>
        },
    };
    let guard = match &args.guard {
        Some(path) => {
            let call = quote_spanned! {path.span()=> #path(guard)};
            quote! {
                ::core::option::Option::Some(|guard| {
                    ::std::boxed::Box::pin(async move {
                        #[allow(unused_imports)]
                        use ::loly_core::__private::{GuardAsync as _, GuardSync as _};
                        let output = ::loly_core::__private::GuardOutput::new(#call);
                        let allowed = (&&output).into_guard_future();
                        allowed.await
                    })
                })
            }
        }
        None => quote!(::core::option::Option::None),
    };
    let rate = match &args.rate {
        Some((rate, _)) => {
            let per_second = rate.per_second;
            let burst = rate.burst;
            quote!(::core::option::Option::Some(::loly_core::Rate::new(#per_second, #burst)))
        }
        None => quote!(::core::option::Option::None),
    };
    let schema_name = match &args.schema {
        Some(schema) => {
            let text = LitStr::new(&tidy(schema), schema.span());
            quote!(::core::option::Option::Some(#text))
        }
        None => quote!(::core::option::Option::None),
    };
    let registration = registration_ident(&ident);
    let user = user_type();
    let import = default_user_import();
    let handler_span = ident.span();
    let handler = quote_spanned! {handler_span=> #ident};

    Ok(quote! {
        #function

        #import

        #payload_check
        #user_check

        #[doc(hidden)]
        #[allow(private_interfaces, non_snake_case)]
        pub(crate) fn #registration() -> ::loly_core::__private::EventDef<#user> {
            ::loly_core::__private::EventDef::new(
                #name,
                #schema_name,
                #decode,
                #guard,
                #rate,
                #handler,
            )
        }
    })
}

fn tidy(ty: &Type) -> String {
    quote!(#ty)
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace(" :: ", "::")
}
