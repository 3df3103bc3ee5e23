//! Parse step, the doc comment: the description and the rustdoc
//! `# Arguments` list. Nothing here rejects; `valid.rs` checks that every
//! documented name is an argument.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, Meta};

use crate::ast;

/// The doc comment split into the prose and the per-argument descriptions.
pub(crate) struct Docs {
    /// The doc comment without its `# Arguments` section, trimmed.
    pub(crate) description: String,
    /// `(name, description, span of the doc line)` for each documented argument.
    pub(crate) arguments: Vec<(String, String, Span)>,
}

impl Docs {
    /// The description of the argument `name` (the first, if listed twice).
    pub(crate) fn argument(&self, name: &str) -> Option<&str> {
        self.arguments
            .iter()
            .find(|(documented, _, _)| documented == name)
            .map(|(_, text, _)| text.as_str())
    }
}

pub(crate) fn read(attrs: &[Attribute]) -> Docs {
    let mut lines: Vec<(String, Span)> = Vec::new();
    for attr in attrs {
        let Meta::NameValue(nv) = &attr.meta else { continue };
        if !nv.path.is_ident("doc") {
            continue;
        }
        let Expr::Lit(ExprLit {
            lit: Lit::Str(text), ..
        }) = &nv.value
        else {
            continue;
        };
        for line in text.value().split('\n') {
            lines.push((line.to_owned(), attr.span()));
        }
    }
    let common_indent = lines
        .iter()
        .filter(|(line, _)| !line.trim().is_empty())
        .map(|(line, _)| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);

    let mut description = Vec::new();
    let mut arguments: Vec<(String, String, Span)> = Vec::new();
    let mut in_arguments = false;
    for (raw, line_span) in &lines {
        let line = raw.get(common_indent..).unwrap_or(raw.trim_start());
        if let Some(heading) = heading(line) {
            in_arguments = matches!(
                heading.to_ascii_lowercase().as_str(),
                "arguments" | "parameters" | "args"
            );
            if in_arguments {
                continue;
            }
        }
        if !in_arguments {
            description.push(line.trim_end().to_owned());
            continue;
        }
        let trimmed = line.trim();
        if let Some(item) = trimmed.strip_prefix("* ").or_else(|| trimmed.strip_prefix("- ")) {
            if let Some((name, text)) = split_item(item) {
                arguments.push((name, text, *line_span));
            }
        } else if !trimmed.is_empty()
            && let Some((_, text, _)) = arguments.last_mut()
        {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(trimmed);
        }
    }
    Docs {
        description: description.join("\n").trim().to_owned(),
        arguments,
    }
}

fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('#')?;
    let rest = rest.trim_start_matches('#');
    rest.starts_with(' ').then(|| rest.trim())
}

/// Splits `` `name` - text ``, `name: text` or `name - text`.
fn split_item(item: &str) -> Option<(String, String)> {
    let item = item.trim();
    let (name, rest) = if let Some(stripped) = item.strip_prefix('`') {
        let end = stripped.find('`')?;
        (&stripped[..end], &stripped[end + 1..])
    } else {
        let end = item.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        (&item[..end], &item[end..])
    };
    let text = rest.trim_start().trim_start_matches([':', '-', '–', '—']).trim();
    let name = name.trim();
    // `r#type` documents the argument `r#type`, whose property is `type`
    // (parsed only then: parsing text costs the compiler a source file).
    let name = match name.starts_with("r#").then(|| Ident::parse_any.parse_str(name)) {
        Some(Ok(ident)) => ast::unraw(&ident),
        _ => name.to_owned(),
    };
    (!name.is_empty()).then(|| (name, text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn splits_arguments_from_prose() {
        let item: syn::ItemFn = parse_quote! {
            /// Add two integers.
            ///
            /// Wraps on overflow.
            ///
            /// # Arguments
            /// * `a` - the first addend
            /// * `b` - the second
            ///   addend
            ///
            /// # Examples
            /// none
            fn add(a: i64, b: i64) -> i64 { a + b }
        };
        let docs = read(&item.attrs);
        assert_eq!(
            docs.description,
            "Add two integers.\n\nWraps on overflow.\n\n# Examples\nnone"
        );
        let args: Vec<_> = docs
            .arguments
            .iter()
            .map(|(n, t, _)| (n.as_str(), t.as_str()))
            .collect();
        assert_eq!(args, [("a", "the first addend"), ("b", "the second addend")]);
    }

    #[test]
    fn accepts_colon_items() {
        assert_eq!(
            split_item("window: averaging window"),
            Some(("window".into(), "averaging window".into()))
        );
        assert_eq!(
            split_item("`r#type` — the kind"),
            Some(("type".into(), "the kind".into()))
        );
    }
}
