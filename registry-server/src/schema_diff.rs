//! `schema-diff OLD NEW`: what changed between two saved descriptions of an
//! API, and whether the change breaks existing callers.
//!
//! Both dumps must be of one kind: OpenAPI documents (the `openapi`
//! subcommand, `GET /openapi.json`) or tools dumps (the `tools` subcommand:
//! the `tools/list` array; a `tools/list` result `{"tools": [...]}` is read
//! too). Functions are matched by name (`operationId`, tool `name`); schema
//! references (`#/components/schemas/...`, `#/$defs/...`) are followed.
//!
//! The rule: the new version must accept every call the old one accepted,
//! and send only results the old one could have sent. So narrowing an input
//! (a new required argument, a raised `minimum`, a removed enum value, a
//! changed type) breaks callers, and so does widening an output (a type or
//! range the old schema excluded) or removing a field results always had; a
//! removed function, a changed method or path, and a tool hint that promises
//! less (no longer read-only, now destructive) break too. Everything else (new
//! functions, new optional arguments, widened input ranges, new output
//! fields, documentation) is reported as information.
//!
//! [`diff`] is a pure function over two [`serde_json::Value`]s; the CLI
//! subcommand reads the files, prints [`Report::render`] and exits 1 when
//! [`Report::has_breaking`].

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use serde_json::{Map, Value, json};

/// Whether a change breaks existing callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Existing callers may fail: the command exits non-zero.
    Breaking,
    /// Compatible: reported, not failed on.
    Info,
}

/// What changed. Whether it breaks depends on the kind and, for schema
/// changes, on the side (input or output): see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A function (or its route) is gone.
    FunctionRemoved,
    /// A new function.
    FunctionAdded,
    /// The REST method changed.
    MethodChanged,
    /// The REST path changed.
    PathChanged,
    /// A new argument callers must send.
    RequiredArgumentAdded,
    /// A new argument callers may leave out.
    OptionalArgumentAdded,
    /// An optional argument became required.
    ArgumentMadeRequired,
    /// A required argument became optional.
    ArgumentMadeOptional,
    /// An argument is gone (breaking when unknown arguments are refused).
    ArgumentRemoved,
    /// A result field is gone (breaking when results always had it).
    OutputFieldRemoved,
    /// A new result field.
    OutputFieldAdded,
    /// A result field results always had may now be missing.
    OutputFieldMadeOptional,
    /// A result field is now always present.
    OutputFieldMadeRequired,
    /// The JSON type (or the response's media type) changed.
    TypeChanged,
    /// A numeric, length, item-count or `multipleOf` bound now admits fewer values.
    RangeNarrowed,
    /// A bound now admits more values.
    RangeWidened,
    /// An enum lost a value.
    EnumValueRemoved,
    /// An enum gained a value.
    EnumValueAdded,
    /// A new restriction: an `enum`, `pattern`, `format`, `uniqueItems`,
    /// no more additional properties, or a changed pattern or format.
    ConstraintAdded,
    /// A restriction is gone.
    ConstraintRemoved,
    /// Combinators (`anyOf`, `oneOf`, `allOf`) changed in a way not compared
    /// branch by branch.
    SchemaChanged,
    /// An MCP tool hint (`readOnlyHint`, `destructiveHint`, ...) changed.
    AnnotationChanged,
    /// A description, summary or title changed.
    DocChanged,
    /// The contract fingerprint changed.
    FingerprintChanged,
}

impl Kind {
    /// The kebab-case code printed in the report, such as `argument-made-required`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::FunctionRemoved => "function-removed",
            Kind::FunctionAdded => "function-added",
            Kind::MethodChanged => "method-changed",
            Kind::PathChanged => "path-changed",
            Kind::RequiredArgumentAdded => "required-argument-added",
            Kind::OptionalArgumentAdded => "optional-argument-added",
            Kind::ArgumentMadeRequired => "argument-made-required",
            Kind::ArgumentMadeOptional => "argument-made-optional",
            Kind::ArgumentRemoved => "argument-removed",
            Kind::OutputFieldRemoved => "output-field-removed",
            Kind::OutputFieldAdded => "output-field-added",
            Kind::OutputFieldMadeOptional => "output-field-made-optional",
            Kind::OutputFieldMadeRequired => "output-field-made-required",
            Kind::TypeChanged => "type-changed",
            Kind::RangeNarrowed => "range-narrowed",
            Kind::RangeWidened => "range-widened",
            Kind::EnumValueRemoved => "enum-value-removed",
            Kind::EnumValueAdded => "enum-value-added",
            Kind::ConstraintAdded => "constraint-added",
            Kind::ConstraintRemoved => "constraint-removed",
            Kind::SchemaChanged => "schema-changed",
            Kind::AnnotationChanged => "annotation-changed",
            Kind::DocChanged => "doc-changed",
            Kind::FingerprintChanged => "fingerprint-changed",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One difference between the dumps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Whether it breaks callers.
    pub severity: Severity,
    /// What changed.
    pub kind: Kind,
    /// The function's name.
    pub function: String,
    /// Where: `input`, `input.filter.kind`, `output.blocks[].height`, or
    /// empty for the function itself.
    pub at: String,
    /// A readable account, such as `minimum raised 0 → 1`.
    pub detail: String,
}

impl Change {
    /// Whether [`Change::severity`] is [`Severity::Breaking`].
    pub fn is_breaking(&self) -> bool {
        self.severity == Severity::Breaking
    }
}

/// Every difference found, breaking ones first, then by function name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Report {
    /// How many changes break callers.
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.is_breaking()).count()
    }

    /// Whether any change breaks callers (the command then exits 1).
    pub fn has_breaking(&self) -> bool {
        self.breaking() > 0
    }

    /// Whether some change of `kind` was found for `function`.
    pub fn has(&self, kind: Kind, function: &str) -> bool {
        self.changes.iter().any(|c| c.kind == kind && c.function == function)
    }

    /// One line per change (`BREAKING` or `info`, the kind's code, the
    /// function, where, what), then a count.
    pub fn render(&self) -> String {
        let width = self.changes.iter().map(|c| c.kind.code().len()).max().unwrap_or(0);
        let mut out = String::new();
        for change in &self.changes {
            let label = match change.severity {
                Severity::Breaking => "BREAKING",
                Severity::Info => "info",
            };
            let at = if change.at.is_empty() {
                String::new()
            } else {
                format!(" {}:", change.at)
            };
            out.push_str(&format!(
                "{label:<8}  {:<width$}  `{}`{at} {}\n",
                change.kind.code(),
                change.function,
                change.detail
            ));
        }
        let breaking = self.breaking();
        let other = self.changes.len() - breaking;
        out.push_str(&match (breaking, other) {
            (0, 0) => "no changes\n".to_owned(),
            _ => format!(
                "{breaking} breaking change{}, {other} other change{}\n",
                plural(breaking),
                plural(other)
            ),
        });
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Why two dumps cannot be compared.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DumpError {
    /// Neither an OpenAPI document nor a tools dump.
    #[error(
        "the {0} dump is neither an OpenAPI document (an object with `openapi`) nor a tools dump (the `tools/list` array)"
    )]
    Unrecognized(&'static str),
    /// One OpenAPI document and one tools dump.
    #[error("the old dump is {old} and the new one is {new}: compare two dumps of the same kind")]
    Mismatch {
        /// What the old dump is.
        old: &'static str,
        /// What the new dump is.
        new: &'static str,
    },
}

/// The changes from `old` to `new`, two OpenAPI documents or two tools dumps.
pub fn diff(old: &Value, new: &Value) -> Result<Report, DumpError> {
    let old_kind = DumpKind::of(old).ok_or(DumpError::Unrecognized("old"))?;
    let new_kind = DumpKind::of(new).ok_or(DumpError::Unrecognized("new"))?;
    if old_kind != new_kind {
        return Err(DumpError::Mismatch {
            old: old_kind.describe(),
            new: new_kind.describe(),
        });
    }
    let old_functions = functions(old, old_kind);
    let new_functions = functions(new, new_kind);
    let mut changes = Vec::new();
    for (name, before) in &old_functions {
        match new_functions.get(name) {
            None => changes.push(Change {
                severity: Severity::Breaking,
                kind: Kind::FunctionRemoved,
                function: name.clone(),
                at: String::new(),
                detail: match &before.route {
                    Some((method, path)) => format!("removed (was {method} {path})"),
                    None => "removed".to_owned(),
                },
            }),
            Some(after) => compare_functions(name, before, after, &mut changes),
        }
    }
    for (name, after) in &new_functions {
        if !old_functions.contains_key(name) {
            changes.push(Change {
                severity: Severity::Info,
                kind: Kind::FunctionAdded,
                function: name.clone(),
                at: String::new(),
                detail: match &after.route {
                    Some((method, path)) => format!("new function ({method} {path})"),
                    None => "new function".to_owned(),
                },
            });
        }
    }
    changes.sort_by(|a, b| (a.severity, &a.function).cmp(&(b.severity, &b.function)));
    Ok(Report { changes })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DumpKind {
    OpenApi,
    Tools,
}

impl DumpKind {
    fn of(dump: &Value) -> Option<DumpKind> {
        if dump.get("openapi").is_some_and(Value::is_string) {
            Some(DumpKind::OpenApi)
        } else if tool_array(dump).is_some() {
            Some(DumpKind::Tools)
        } else {
            None
        }
    }

    fn describe(self) -> &'static str {
        match self {
            DumpKind::OpenApi => "an OpenAPI document",
            DumpKind::Tools => "a tools dump",
        }
    }
}

/// The tools of a tools dump: the array itself, a `tools/list` result, or a
/// JSON-RPC response carrying one.
fn tool_array(dump: &Value) -> Option<&Vec<Value>> {
    match dump {
        Value::Array(tools) => Some(tools),
        Value::Object(object) => match object.get("tools") {
            Some(Value::Array(tools)) => Some(tools),
            _ => object.get("result").and_then(tool_array),
        },
        _ => None,
    }
}

/// A schema and the document its `#/...` references point into.
#[derive(Clone, Copy)]
struct Schema<'a> {
    value: &'a Value,
    root: &'a Value,
}

impl<'a> Schema<'a> {
    fn of(value: &'a Value, root: &'a Value) -> Self {
        Schema { value, root }
    }
}

/// One function as a dump describes it.
struct Function<'a> {
    route: Option<(String, String)>,
    /// An object schema with one property per argument.
    input: Value,
    input_root: &'a Value,
    /// The result's media type (OpenAPI) and schema; `None` for no content.
    output: Option<(Option<String>, Schema<'a>)>,
    annotations: Option<&'a Map<String, Value>>,
    fingerprint: Option<&'a str>,
    docs: Vec<(&'static str, String)>,
}

fn functions(dump: &Value, kind: DumpKind) -> BTreeMap<String, Function<'_>> {
    match kind {
        DumpKind::OpenApi => openapi_functions(dump),
        DumpKind::Tools => tool_functions(dump),
    }
}

fn tool_functions(dump: &Value) -> BTreeMap<String, Function<'_>> {
    let mut found = BTreeMap::new();
    for tool in tool_array(dump).into_iter().flatten() {
        let Some(name) = tool.get("name").and_then(Value::as_str) else {
            continue;
        };
        let input = tool.get("inputSchema").unwrap_or(&Value::Null);
        let output = tool
            .get("outputSchema")
            .map(|schema| (None, Schema::of(schema, schema)));
        let docs = ["title", "description"]
            .into_iter()
            .filter_map(|key| Some((key, tool.get(key)?.as_str()?.to_owned())))
            .collect();
        found.insert(
            name.to_owned(),
            Function {
                route: None,
                input: input.clone(),
                input_root: input,
                output,
                annotations: tool.get("annotations").and_then(Value::as_object),
                fingerprint: tool
                    .get("_meta")
                    .and_then(|meta| meta.get(crate::fingerprint::MCP_META_KEY))
                    .and_then(Value::as_str),
                docs,
            },
        );
    }
    found
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn openapi_functions(document: &Value) -> BTreeMap<String, Function<'_>> {
    let mut found = BTreeMap::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return found;
    };
    for (path, item) in paths {
        let item = follow(item, document);
        for method in METHODS {
            let Some(operation) = item.get(*method) else { continue };
            let method = method.to_ascii_uppercase();
            let name = operation
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{method} {path}"), str::to_owned);
            let docs = ["summary", "description"]
                .into_iter()
                .filter_map(|key| Some((key, operation.get(key)?.as_str()?.to_owned())))
                .collect();
            found.insert(
                name,
                Function {
                    route: Some((method, path.clone())),
                    input: openapi_input(item, operation, document),
                    input_root: document,
                    output: openapi_output(operation, document),
                    annotations: None,
                    fingerprint: operation
                        .get(crate::fingerprint::OPENAPI_EXTENSION)
                        .and_then(Value::as_str),
                    docs,
                },
            );
        }
    }
    found
}

/// An operation's parameters and JSON body as one object schema.
fn openapi_input(item: &Value, operation: &Value, document: &Value) -> Value {
    let mut properties = Map::new();
    let mut required = BTreeSet::new();
    let parameters = [item, operation]
        .into_iter()
        .filter_map(|o| o.get("parameters").and_then(Value::as_array))
        .flatten();
    for parameter in parameters {
        let parameter = follow(parameter, document);
        let Some(name) = parameter.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut schema = parameter.get("schema").cloned().unwrap_or_else(|| json!({}));
        if let (Value::Object(object), Some(description)) = (&mut schema, parameter.get("description")) {
            object.entry("description").or_insert_with(|| description.clone());
        }
        properties.insert(name.to_owned(), schema);
        if parameter.get("required") == Some(&Value::Bool(true)) {
            required.insert(name.to_owned());
        }
    }
    let mut additional = Value::Bool(false);
    let body = operation
        .get("requestBody")
        .map(|body| follow(body, document))
        .and_then(|body| body.get("content"))
        .and_then(|content| content.get("application/json"))
        .and_then(|media| media.get("schema"))
        .map(|schema| follow(schema, document));
    if let Some(body) = body {
        for (name, schema) in body.get("properties").and_then(Value::as_object).into_iter().flatten() {
            properties.insert(name.clone(), schema.clone());
        }
        for name in body.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = name.as_str() {
                required.insert(name.to_owned());
            }
        }
        additional = body.get("additionalProperties").cloned().unwrap_or(Value::Bool(true));
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required.into_iter().collect::<Vec<_>>(),
        "additionalProperties": additional,
    })
}

/// The success response's media type and schema: `application/json` if
/// offered, else the first; `None` for a response without content (204).
fn openapi_output<'a>(operation: &'a Value, document: &'a Value) -> Option<(Option<String>, Schema<'a>)> {
    let responses = operation.get("responses")?.as_object()?;
    let (_, response) = responses.iter().find(|(status, _)| status.starts_with('2'))?;
    let content = follow(response, document).get("content")?.as_object()?;
    let (media, body) = content
        .get_key_value("application/json")
        .or_else(|| content.iter().next())?;
    static ANY: Value = Value::Bool(true);
    let schema = body.get("schema").unwrap_or(&ANY);
    Some((Some(media.clone()), Schema::of(schema, document)))
}

/// `value`, or what its `$ref` points to (a few levels deep).
fn follow<'a>(mut value: &'a Value, root: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str).and_then(|r| pointer(root, r)) {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

fn pointer<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    root.pointer(reference.strip_prefix('#')?)
}

fn compare_functions(name: &str, old: &Function<'_>, new: &Function<'_>, changes: &mut Vec<Change>) {
    let mut cx = Compare {
        function: name,
        changes,
        seen: HashSet::new(),
    };
    if let (Some((old_method, old_path)), Some((new_method, new_path))) = (&old.route, &new.route) {
        if old_method != new_method {
            cx.push(
                Severity::Breaking,
                Kind::MethodChanged,
                "",
                format!("method {old_method} → {new_method}"),
            );
        }
        if old_path != new_path {
            cx.push(
                Severity::Breaking,
                Kind::PathChanged,
                "",
                format!("path {old_path} → {new_path}"),
            );
        }
    }
    let doc = |docs: &[(&'static str, String)], key: &str| docs.iter().find(|(k, _)| *k == key).map(|(_, t)| t.clone());
    for key in ["title", "summary", "description"] {
        if doc(&old.docs, key) != doc(&new.docs, key) {
            cx.push(Severity::Info, Kind::DocChanged, "", format!("{key} changed"));
        }
    }
    let before = cx.changes.len();
    cx.schema(
        Schema::of(&old.input, old.input_root),
        Schema::of(&new.input, new.input_root),
        &Place::root(Side::Input),
    );
    match (&old.output, &new.output) {
        (Some((old_media, old_schema)), Some((new_media, new_schema))) => {
            if old_media != new_media {
                cx.push(
                    Severity::Breaking,
                    Kind::TypeChanged,
                    "output",
                    format!(
                        "media type {} → {}",
                        old_media.as_deref().unwrap_or("-"),
                        new_media.as_deref().unwrap_or("-")
                    ),
                );
            } else {
                cx.schema(*old_schema, *new_schema, &Place::root(Side::Output));
            }
        }
        (Some(_), None) => cx.push(
            Severity::Breaking,
            Kind::OutputFieldRemoved,
            "output",
            "the result is gone (no content now)".to_owned(),
        ),
        (None, Some(_)) => cx.push(
            Severity::Info,
            Kind::OutputFieldAdded,
            "output",
            "a result where there was none".to_owned(),
        ),
        (None, None) => {}
    }
    if let (Some(old_hints), Some(new_hints)) = (old.annotations, new.annotations) {
        cx.annotations(old_hints, new_hints);
    }
    let schemas_changed = cx.changes[before..].iter().any(|c| c.kind != Kind::DocChanged);
    if let (Some(old_print), Some(new_print)) = (old.fingerprint, new.fingerprint)
        && old_print != new_print
    {
        let detail = if schemas_changed || old.route != new.route {
            format!("fingerprint {old_print} → {new_print}")
        } else {
            format!(
                "fingerprint {old_print} → {new_print} (nothing this dump shows: scopes, exposure or result rendering)"
            )
        };
        cx.push(Severity::Info, Kind::FingerprintChanged, "", detail);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Input,
    Output,
}

/// Where in a function's schemas a comparison is.
struct Place {
    side: Side,
    /// `filter.kind`, `blocks[]`; empty at the root.
    path: String,
}

impl Place {
    fn root(side: Side) -> Place {
        Place {
            side,
            path: String::new(),
        }
    }

    fn child(&self, segment: &str) -> Place {
        let path = match (self.path.is_empty(), segment.starts_with(['[', '{'])) {
            (true, _) | (false, true) => format!("{}{segment}", self.path),
            (false, false) => format!("{}.{segment}", self.path),
        };
        Place { side: self.side, path }
    }

    fn label(&self) -> String {
        let side = match self.side {
            Side::Input => "input",
            Side::Output => "output",
        };
        if self.path.is_empty() || self.path.starts_with(['[', '{', '<']) {
            format!("{side}{}", self.path)
        } else {
            format!("{side}.{}", self.path)
        }
    }

    /// The severity of a change that makes this schema admit fewer values
    /// (`narrows`) or more: narrowing an input or widening an output breaks.
    fn severity(&self, narrows: bool) -> Severity {
        match (self.side, narrows) {
            (Side::Input, true) | (Side::Output, false) => Severity::Breaking,
            _ => Severity::Info,
        }
    }
}

struct Compare<'c> {
    function: &'c str,
    changes: &'c mut Vec<Change>,
    /// Reference pairs being compared, so recursive types end.
    seen: HashSet<(String, String)>,
}

/// Deepest schema nesting compared.
const MAX_DEPTH: usize = 64;

impl Compare<'_> {
    fn push(&mut self, severity: Severity, kind: Kind, at: &str, detail: String) {
        self.changes.push(Change {
            severity,
            kind,
            function: self.function.to_owned(),
            at: at.to_owned(),
            detail,
        });
    }

    fn at(&mut self, place: &Place, narrows: bool, kind: Kind, detail: String) {
        self.push(place.severity(narrows), kind, &place.label(), detail);
    }

    fn schema(&mut self, old: Schema<'_>, new: Schema<'_>, place: &Place) {
        let depth = place.path.matches(['.', '[', '{', '<']).count();
        if depth > MAX_DEPTH {
            return;
        }
        let (old_ref, old_node) = resolve(old);
        let (new_ref, new_node) = resolve(new);
        if let (Some(a), Some(b)) = (&old_ref, &new_ref) {
            // A recursive type met again: its comparison is already under way.
            if !self.seen.insert((a.clone(), b.clone())) {
                return;
            }
        }
        self.node(&old_node, old.root, &new_node, new.root, place);
        if let (Some(a), Some(b)) = (old_ref, new_ref) {
            self.seen.remove(&(a, b));
        }
    }

    fn node(&mut self, old: &Value, old_root: &Value, new: &Value, new_root: &Value, place: &Place) {
        // `true` and `{}` both admit anything.
        let anything = Value::Object(Map::new());
        let open = |v: &'_ Value| -> bool { v == &Value::Bool(true) };
        let (old, new) = (
            if open(old) { &anything } else { old },
            if open(new) { &anything } else { new },
        );
        let (Value::Object(o), Value::Object(n)) = (old, new) else {
            if old != new {
                let narrows = old == &Value::Bool(true) || new == &Value::Bool(false);
                self.at(place, narrows, Kind::SchemaChanged, format!("schema {old} → {new}"));
            }
            return;
        };
        if o.get("description") != n.get("description") && !place.path.is_empty() {
            self.push(
                Severity::Info,
                Kind::DocChanged,
                &place.label(),
                "description changed".to_owned(),
            );
        }
        if !self.types(o, n, place) {
            // Unrelated types: what is inside them is not comparable.
            return;
        }
        self.enums(o, n, place);
        self.bounds(o, n, place);
        self.restrictions(o, n, place);
        self.combinators(o, old_root, n, new_root, place);
        self.properties(o, old_root, n, new_root, place);
        // Array items as `x[]`, map values (`additionalProperties`) as `x{}`.
        for (key, segment) in [
            ("items", "[]"),
            ("additionalItems", "[]"),
            ("contains", "[]"),
            ("additionalProperties", "{}"),
        ] {
            if let (Some(a), Some(b)) = (
                o.get(key).filter(|v| v.is_object()),
                n.get(key).filter(|v| v.is_object()),
            ) {
                self.schema(Schema::of(a, old_root), Schema::of(b, new_root), &place.child(segment));
            }
        }
        if let (Some(Value::Array(a)), Some(Value::Array(b))) = (o.get("prefixItems"), n.get("prefixItems")) {
            for (i, (a, b)) in a.iter().zip(b).enumerate() {
                self.schema(
                    Schema::of(a, old_root),
                    Schema::of(b, new_root),
                    &place.child(&format!("[{i}]")),
                );
            }
        }
    }

    /// Compares the JSON types; `false` when neither side's admit the other's.
    fn types(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, place: &Place) -> bool {
        let (old_types, new_types) = (types(o), types(n));
        if old_types == new_types {
            return true;
        }
        let show = |t: &Option<BTreeSet<String>>| match t {
            None => "any".to_owned(),
            Some(set) => set.iter().cloned().collect::<Vec<_>>().join(" | "),
        };
        let admits = |wide: &Option<BTreeSet<String>>, narrow: &Option<BTreeSet<String>>| match (wide, narrow) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(wide), Some(narrow)) => narrow
                .iter()
                .all(|t| wide.contains(t) || (t == "integer" && wide.contains("number"))),
        };
        let widened = admits(&new_types, &old_types);
        let narrowed = admits(&old_types, &new_types);
        let (severity, how) = match (widened, narrowed) {
            (true, _) => (place.severity(false), " (wider)"),
            (false, true) => (place.severity(true), " (narrower)"),
            (false, false) => (Severity::Breaking, ""),
        };
        let detail = format!("type {} → {}{how}", show(&old_types), show(&new_types));
        self.push(severity, Kind::TypeChanged, &place.label(), detail);
        widened || narrowed
    }

    fn enums(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, place: &Place) {
        match (enum_values(o), enum_values(n)) {
            (Some(old), Some(new)) => {
                let removed: Vec<&Value> = old.iter().filter(|v| !new.contains(v)).collect();
                let added: Vec<&Value> = new.iter().filter(|v| !old.contains(v)).collect();
                if !removed.is_empty() {
                    self.at(
                        place,
                        true,
                        Kind::EnumValueRemoved,
                        format!("enum value {} removed", list(&removed)),
                    );
                }
                if !added.is_empty() {
                    self.at(
                        place,
                        false,
                        Kind::EnumValueAdded,
                        format!("enum value {} added", list(&added)),
                    );
                }
            }
            (None, Some(new)) => self.at(
                place,
                true,
                Kind::ConstraintAdded,
                format!("now one of {}", list(&new.iter().collect::<Vec<_>>())),
            ),
            (Some(_), None) => self.at(place, false, Kind::ConstraintRemoved, "no longer an enum".to_owned()),
            (None, None) => {}
        }
    }

    fn bounds(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, place: &Place) {
        for end in [End::Lower, End::Upper] {
            let (old, new) = (end.bound(o), end.bound(n));
            if old == new {
                continue;
            }
            let name = end.name();
            let show = |b: Bound| {
                if b.exclusive {
                    format!("{} (exclusive)", b.value)
                } else {
                    b.value.to_string()
                }
            };
            let (narrows, detail) = match (old, new) {
                (None, Some(new)) => (true, format!("{name} added: {}", show(new))),
                (Some(old), None) => (false, format!("{name} removed (was {})", show(old))),
                (Some(old), Some(new)) => {
                    let narrows = end.tighter(new, old);
                    let verb = match (end, new.value > old.value) {
                        _ if new.value == old.value => "changed",
                        (End::Lower, true) | (End::Upper, true) => "raised",
                        _ => "lowered",
                    };
                    (narrows, format!("{name} {verb} {} → {}", show(old), show(new)))
                }
                (None, None) => continue,
            };
            let kind = if narrows {
                Kind::RangeNarrowed
            } else {
                Kind::RangeWidened
            };
            self.at(place, narrows, kind, detail);
        }
        for (keyword, lower) in [
            ("minLength", true),
            ("maxLength", false),
            ("minItems", true),
            ("maxItems", false),
            ("minProperties", true),
            ("maxProperties", false),
        ] {
            let (old, new) = (
                o.get(keyword).and_then(Value::as_f64),
                n.get(keyword).and_then(Value::as_f64),
            );
            let narrows = match (old, new) {
                (Some(a), Some(b)) if a != b => (b > a) == lower,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                _ => continue,
            };
            let detail = match (old, new) {
                (Some(a), Some(b)) => format!("{keyword} {} {a} → {b}", if b > a { "raised" } else { "lowered" }),
                (None, Some(b)) => format!("{keyword} added: {b}"),
                (Some(a), None) => format!("{keyword} removed (was {a})"),
                (None, None) => continue,
            };
            let kind = if narrows {
                Kind::RangeNarrowed
            } else {
                Kind::RangeWidened
            };
            self.at(place, narrows, kind, detail);
        }
        let (old, new) = (
            o.get("multipleOf").and_then(Value::as_f64),
            n.get("multipleOf").and_then(Value::as_f64),
        );
        if old != new {
            // The new step admits every old value when the old step is a multiple of it.
            let narrows = match (old, new) {
                (Some(a), Some(b)) => (a / b).fract() != 0.0,
                (None, Some(_)) => true,
                _ => false,
            };
            let show = |v: Option<f64>| v.map_or_else(|| "none".to_owned(), |v| v.to_string());
            let kind = if narrows {
                Kind::RangeNarrowed
            } else {
                Kind::RangeWidened
            };
            self.at(
                place,
                narrows,
                kind,
                format!("multipleOf {} → {}", show(old), show(new)),
            );
        }
    }

    fn restrictions(&mut self, o: &Map<String, Value>, n: &Map<String, Value>, place: &Place) {
        for keyword in ["pattern", "format", "contentEncoding", "contentMediaType"] {
            let (old, new) = (o.get(keyword), n.get(keyword));
            if keyword == "format" && !old.is_some_and(standard_format) && !new.is_some_and(standard_format) {
                // `uint8`, `double`, ...: annotations, the bounds say the width.
                continue;
            }
            match (old, new) {
                (None, Some(new)) => self.at(place, true, Kind::ConstraintAdded, format!("{keyword} {new} added")),
                (Some(old), None) => self.at(
                    place,
                    false,
                    Kind::ConstraintRemoved,
                    format!("{keyword} {old} removed"),
                ),
                // Neither side of a changed pattern is known to contain the other.
                (Some(old), Some(new)) if old != new => self.push(
                    Severity::Breaking,
                    Kind::ConstraintAdded,
                    &place.label(),
                    format!("{keyword} {old} → {new}"),
                ),
                _ => {}
            }
        }
        let unique = |m: &Map<String, Value>| m.get("uniqueItems") == Some(&Value::Bool(true));
        match (unique(o), unique(n)) {
            (false, true) => self.at(
                place,
                true,
                Kind::ConstraintAdded,
                "items must now be unique".to_owned(),
            ),
            (true, false) => self.at(
                place,
                false,
                Kind::ConstraintRemoved,
                "items no longer need be unique".to_owned(),
            ),
            _ => {}
        }
        let closed = |m: &Map<String, Value>| m.get("additionalProperties") == Some(&Value::Bool(false));
        let is_object = |m: &Map<String, Value>| m.contains_key("properties");
        if is_object(o) && is_object(n) {
            match (closed(o), closed(n)) {
                (false, true) => self.at(
                    place,
                    true,
                    Kind::ConstraintAdded,
                    "other properties are no longer allowed".to_owned(),
                ),
                (true, false) => self.at(
                    place,
                    false,
                    Kind::ConstraintRemoved,
                    "other properties are now allowed".to_owned(),
                ),
                _ => {}
            }
        }
    }

    fn combinators(
        &mut self,
        o: &Map<String, Value>,
        old_root: &Value,
        n: &Map<String, Value>,
        new_root: &Value,
        place: &Place,
    ) {
        for keyword in ["anyOf", "oneOf", "allOf"] {
            match (o.get(keyword), n.get(keyword)) {
                (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
                    for (i, (a, b)) in a.iter().zip(b).enumerate() {
                        let branch = Place {
                            side: place.side,
                            path: format!("{}<{keyword} {i}>", place.path),
                        };
                        self.schema(Schema::of(a, old_root), Schema::of(b, new_root), &branch);
                    }
                }
                (None, None) => {}
                (a, b) => {
                    let count = |v: Option<&Value>| v.and_then(Value::as_array).map_or(0, Vec::len);
                    self.push(
                        Severity::Breaking,
                        Kind::SchemaChanged,
                        &place.label(),
                        format!("{keyword} of {} → {} branches", count(a), count(b)),
                    );
                }
            }
        }
    }

    fn properties(
        &mut self,
        o: &Map<String, Value>,
        old_root: &Value,
        n: &Map<String, Value>,
        new_root: &Value,
        place: &Place,
    ) {
        let empty = Map::new();
        let (old_props, new_props) = (
            o.get("properties").and_then(Value::as_object).unwrap_or(&empty),
            n.get("properties").and_then(Value::as_object).unwrap_or(&empty),
        );
        let (old_required, new_required) = (required(o), required(n));
        let noun = match (place.side, place.path.is_empty()) {
            (Side::Input, true) => "argument",
            _ => "field",
        };
        for (name, old_schema) in old_props {
            let here = place.child(name);
            let Some(new_schema) = new_props.get(name) else {
                let was_required = old_required.contains(name.as_str());
                match place.side {
                    Side::Input => {
                        // Callers still sending it are refused when unknown properties are.
                        let refused = n.get("additionalProperties") == Some(&Value::Bool(false));
                        self.push(
                            if refused { Severity::Breaking } else { Severity::Info },
                            Kind::ArgumentRemoved,
                            &here.label(),
                            format!(
                                "{noun} removed{}",
                                if refused { " (unknown ones are refused)" } else { "" }
                            ),
                        );
                    }
                    Side::Output => self.push(
                        if was_required {
                            Severity::Breaking
                        } else {
                            Severity::Info
                        },
                        Kind::OutputFieldRemoved,
                        &here.label(),
                        format!("field removed{}", if was_required { "" } else { " (it was optional)" }),
                    ),
                }
                continue;
            };
            match (
                place.side,
                old_required.contains(name.as_str()),
                new_required.contains(name.as_str()),
            ) {
                (Side::Input, false, true) => self.push(
                    Severity::Breaking,
                    Kind::ArgumentMadeRequired,
                    &here.label(),
                    format!("{noun} is now required"),
                ),
                (Side::Input, true, false) => self.push(
                    Severity::Info,
                    Kind::ArgumentMadeOptional,
                    &here.label(),
                    format!("{noun} is now optional"),
                ),
                (Side::Output, true, false) => self.push(
                    Severity::Breaking,
                    Kind::OutputFieldMadeOptional,
                    &here.label(),
                    "field may now be missing".to_owned(),
                ),
                (Side::Output, false, true) => self.push(
                    Severity::Info,
                    Kind::OutputFieldMadeRequired,
                    &here.label(),
                    "field is now always present".to_owned(),
                ),
                _ => {}
            }
            self.schema(
                Schema::of(old_schema, old_root),
                Schema::of(new_schema, new_root),
                &here,
            );
        }
        for name in new_props.keys().filter(|name| !old_props.contains_key(*name)) {
            let here = place.child(name);
            let (severity, kind, detail) = match (place.side, new_required.contains(name.as_str())) {
                (Side::Input, true) => (
                    Severity::Breaking,
                    Kind::RequiredArgumentAdded,
                    format!("new required {noun}"),
                ),
                (Side::Input, false) => (
                    Severity::Info,
                    Kind::OptionalArgumentAdded,
                    format!("new optional {noun}"),
                ),
                (Side::Output, _) => (Severity::Info, Kind::OutputFieldAdded, "new field".to_owned()),
            };
            self.push(severity, kind, &here.label(), detail);
        }
    }

    /// MCP tool hints, compared by their effective values (the spec's
    /// defaults for unset ones): a hint that promises less breaks.
    fn annotations(&mut self, old: &Map<String, Value>, new: &Map<String, Value>) {
        // (hint, default, the value that promises more)
        for (hint, default, safe) in [
            ("readOnlyHint", false, true),
            ("destructiveHint", true, false),
            ("idempotentHint", false, true),
            ("openWorldHint", true, false),
        ] {
            let value = |m: &Map<String, Value>| m.get(hint).and_then(Value::as_bool).unwrap_or(default);
            let (before, after) = (value(old), value(new));
            if before != after {
                let severity = if before == safe {
                    Severity::Breaking
                } else {
                    Severity::Info
                };
                self.push(
                    severity,
                    Kind::AnnotationChanged,
                    "",
                    format!("{hint} {before} → {after}"),
                );
            } else if old.get(hint) != new.get(hint) {
                self.push(
                    Severity::Info,
                    Kind::AnnotationChanged,
                    "",
                    format!(
                        "{hint} now {} (same meaning)",
                        if new.contains_key(hint) { "set" } else { "unset" }
                    ),
                );
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
struct Bound {
    value: f64,
    exclusive: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Lower,
    Upper,
}

impl End {
    fn name(self) -> &'static str {
        match self {
            End::Lower => "minimum",
            End::Upper => "maximum",
        }
    }

    /// The bound of `schema` at this end: `minimum`/`exclusiveMinimum` (a
    /// number in 3.1, a flag beside `minimum` in 3.0), the tighter of both.
    fn bound(self, schema: &Map<String, Value>) -> Option<Bound> {
        let (inclusive, exclusive) = match self {
            End::Lower => ("minimum", "exclusiveMinimum"),
            End::Upper => ("maximum", "exclusiveMaximum"),
        };
        let plain = schema.get(inclusive).and_then(Value::as_f64);
        let flagged = schema.get(exclusive) == Some(&Value::Bool(true));
        let mut bound = plain.map(|value| Bound {
            value,
            exclusive: flagged,
        });
        if let Some(value) = schema.get(exclusive).and_then(Value::as_f64) {
            let candidate = Bound { value, exclusive: true };
            if bound.is_none_or(|b| self.tighter(candidate, b)) {
                bound = Some(candidate);
            }
        }
        bound
    }

    /// Whether `a` admits fewer values than `b`.
    fn tighter(self, a: Bound, b: Bound) -> bool {
        let further = match self {
            End::Lower => a.value > b.value,
            End::Upper => a.value < b.value,
        };
        further || (a.value == b.value && a.exclusive && !b.exclusive)
    }
}

/// Follows `$ref`s (siblings override the target's keywords), inlines a
/// one-branch `allOf`, and folds the forms one type takes into one object:
/// a nullable `anyOf`/`oneOf` (`[T, {"type": "null"}]`) becomes `T` with
/// `null` in its types, and a `oneOf`/`anyOf` of `const`s an `enum`. Returns
/// the last reference followed, to stop on recursive types.
fn resolve(schema: Schema<'_>) -> (Option<String>, Value) {
    let mut node = schema.value.clone();
    let mut last_ref = None;
    for _ in 0..16 {
        let Value::Object(object) = &mut node else { break };
        if let Some(Value::String(reference)) = object.get("$ref").cloned()
            && let Some(target) = pointer(schema.root, &reference)
        {
            object.remove("$ref");
            let mut merged = target.as_object().cloned().unwrap_or_default();
            for (key, value) in std::mem::take(object) {
                merged.insert(key, value);
            }
            *object = merged;
            last_ref = Some(reference);
            continue;
        }
        if let Some(Value::Array(branches)) = object.get("allOf")
            && branches.len() == 1
        {
            let only = branches[0].clone();
            object.remove("allOf");
            if let Value::Object(inner) = only {
                for (key, value) in inner {
                    object.entry(key).or_insert(value);
                }
            }
            continue;
        }
        break;
    }
    if let Value::Object(object) = &mut node {
        fold_alternatives(object);
    }
    (last_ref, node)
}

fn fold_alternatives(object: &mut Map<String, Value>) {
    for keyword in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = object.get(keyword) else {
            continue;
        };
        let is_null = |b: &Value| b.get("type").and_then(Value::as_str) == Some("null");
        let consts: Option<Vec<Value>> = branches.iter().map(single_value).collect();
        if let Some(values) = consts.filter(|v| !v.is_empty()) {
            let mut kinds: BTreeSet<String> = BTreeSet::new();
            for branch in branches {
                kinds.extend(types(branch.as_object().unwrap_or(&Map::new())).unwrap_or_default());
            }
            object.remove(keyword);
            object.insert("enum".into(), Value::Array(values));
            if !kinds.is_empty() && !object.contains_key("type") {
                object.insert("type".into(), type_value(kinds));
            }
            continue;
        }
        if branches.len() == 2 && branches.iter().any(is_null) {
            let Some(Value::Array(branches)) = object.remove(keyword) else {
                continue;
            };
            let Some(Value::Object(kept)) = branches.into_iter().find(|b| !is_null(b)) else {
                continue;
            };
            let description = object.remove("description");
            let mut kinds = types(&kept).unwrap_or_default();
            for (key, value) in kept {
                object.entry(key).or_insert(value);
            }
            if !kinds.is_empty() {
                kinds.insert("null".into());
                object.insert("type".into(), type_value(kinds));
            }
            if let Some(description) = description {
                object.insert("description".into(), description);
            }
        }
    }
}

/// The `format`s JSON Schema 2020-12 defines; others are annotations.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

fn standard_format(format: &Value) -> bool {
    format.as_str().is_some_and(|f| STANDARD_FORMATS.contains(&f))
}

/// The one value a `{"const": v}` or `{"enum": [v]}` branch admits.
fn single_value(branch: &Value) -> Option<Value> {
    if let Some(value) = branch.get("const") {
        return Some(value.clone());
    }
    match branch.get("enum") {
        Some(Value::Array(values)) if values.len() == 1 => Some(values[0].clone()),
        _ => None,
    }
}

fn type_value(kinds: BTreeSet<String>) -> Value {
    if kinds.len() == 1 {
        Value::String(kinds.into_iter().next().unwrap_or_default())
    } else {
        Value::Array(kinds.into_iter().map(Value::String).collect())
    }
}

/// The JSON types a schema admits, from `type` (and OpenAPI 3.0's
/// `nullable`); `None` when it does not say.
fn types(schema: &Map<String, Value>) -> Option<BTreeSet<String>> {
    let mut set: BTreeSet<String> = match schema.get("type")? {
        Value::String(one) => [one.clone()].into(),
        Value::Array(many) => many.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => return None,
    };
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        set.insert("null".into());
    }
    Some(set)
}

fn enum_values(schema: &Map<String, Value>) -> Option<Vec<Value>> {
    if let Some(value) = schema.get("const") {
        return Some(vec![value.clone()]);
    }
    schema.get("enum").and_then(Value::as_array).cloned()
}

fn required(schema: &Map<String, Value>) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn list(values: &[&Value]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

/// `schema-diff OLD NEW`: reads both files, prints the report, and exits 1
/// on a breaking change, 2 when a file cannot be read or compared.
pub(crate) fn command(old: &std::path::Path, new: &std::path::Path) -> std::process::ExitCode {
    use std::io::Write;
    let read = |path: &std::path::Path| -> Result<Value, String> {
        let text = std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        serde_json::from_str(&text).map_err(|err| format!("{} is not JSON: {err}", path.display()))
    };
    let report = read(old)
        .and_then(|old| Ok((old, read(new)?)))
        .and_then(|(old, new)| diff(&old, &new).map_err(|err| err.to_string()));
    match report {
        Ok(report) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(report.render().as_bytes());
            let _ = out.flush();
            if report.has_breaking() {
                std::process::ExitCode::FAILURE
            } else {
                std::process::ExitCode::SUCCESS
            }
        }
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err}");
            std::process::ExitCode::from(2)
        }
    }
}
