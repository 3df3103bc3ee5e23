//! Rich results: images, audio, binary blobs, embedded resources, resource
//! links, mixed content lists and prompt messages.
//!
//! A function's result stays JSON ([`CallResult`](crate::CallResult)): each
//! type here serializes to its MCP shape (binary data as base64), and its
//! JSON Schema carries the keyword [`CONTENT_KEYWORD`] naming its kind, so an
//! adapter knows from the function's (cached) output schema how to render
//! a result ([`OutputKind`]):
//!
//! | return type | MCP `tools/call` | REST body |
//! | --- | --- | --- |
//! | [`Image`], [`Audio`] | one `image`/`audio` block | the bytes, with their MIME type |
//! | [`Blob`] | an `image`/`audio` block for `image/*`/`audio/*`, else an embedded resource | the bytes, with their MIME type |
//! | [`EmbeddedResource`] | one `resource` block | the resource's text or bytes, with its MIME type |
//! | [`ResourceLink`] | one `resource_link` block | the link as JSON |
//! | `Vec<Content>` | the blocks, in order | a JSON array of the same blocks |
//!
//! ```
//! use registry_core::content::{Content, Image, PromptMessage};
//! use serde_json::json;
//!
//! let pixel = Image::png(vec![0x89, b'P', b'N', b'G']);
//! assert_eq!(
//!     serde_json::to_value(&pixel).unwrap(),
//!     json!({"type": "image", "data": "iVBORw==", "mimeType": "image/png"})
//! );
//! let mixed: Vec<Content> = vec!["Look:".into(), pixel.clone().into()];
//! assert_eq!(serde_json::to_value(&mixed).unwrap()[0], json!({"type": "text", "text": "Look:"}));
//! let message = PromptMessage::user("Describe this picture.");
//! assert_eq!(
//!     serde_json::to_value(&message).unwrap(),
//!     json!({"role": "user", "content": {"type": "text", "text": "Describe this picture."}})
//! );
//! ```

use std::borrow::Cow;

/// `bytes::Bytes`, re-exported: a binary result, like `Vec<u8>`.
pub use bytes::Bytes;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The JSON Schema keyword that marks a content type's schema with its kind
/// (`"image"`, `"audio"`, `"blob"`, `"resource"`, `"resource_link"`,
/// `"content"`); read by [`OutputKind::of_schema`].
pub const CONTENT_KEYWORD: &str = "x-registry-content";

/// How an adapter renders a function's result, decided once from its output schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutputKind {
    /// Any serializable value: JSON.
    Json,
    /// A `String`: text.
    Text,
    /// `Vec<u8>` or [`Bytes`]: bytes (a JSON array of numbers on the wire between core and adapter).
    Bytes,
    /// A [`Blob`].
    Blob,
    /// An [`Image`].
    Image,
    /// An [`Audio`] clip.
    Audio,
    /// An [`EmbeddedResource`].
    Resource,
    /// A [`ResourceLink`].
    ResourceLink,
    /// A `Vec<Content>`: mixed content blocks.
    Mixed,
}

impl OutputKind {
    /// The kind of a result whose output schema (before normalization, so
    /// that `Vec<u8>`'s `uint8` format is still there) is `schema`.
    pub fn of_schema(schema: &Value) -> OutputKind {
        if let Some(kind) = schema.get(CONTENT_KEYWORD).and_then(Value::as_str) {
            return match kind {
                "image" => OutputKind::Image,
                "audio" => OutputKind::Audio,
                "blob" => OutputKind::Blob,
                "resource" => OutputKind::Resource,
                "resource_link" => OutputKind::ResourceLink,
                _ => OutputKind::Json,
            };
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => OutputKind::Text,
            Some("array") => {
                let items = schema.get("items");
                let marker = items.and_then(|i| i.get(CONTENT_KEYWORD)).and_then(Value::as_str);
                let format = items.and_then(|i| i.get("format")).and_then(Value::as_str);
                match (marker, format) {
                    (Some("content"), _) => OutputKind::Mixed,
                    (_, Some("uint8")) => OutputKind::Bytes,
                    _ => OutputKind::Json,
                }
            }
            _ => OutputKind::Json,
        }
    }

    /// Whether results of this kind are content (media, resources, blocks)
    /// rather than a JSON value or text: MCP tools then answer content
    /// blocks without `structuredContent` and advertise no `outputSchema`.
    pub fn is_content(self) -> bool {
        !matches!(self, OutputKind::Json | OutputKind::Text | OutputKind::Bytes)
    }
}

/// Who a message or a resource is meant for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The human user.
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// `"user"` or `"assistant"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

fn marked(kind: &str, mut schema: Schema) -> Schema {
    schema.insert(CONTENT_KEYWORD.into(), Value::String(kind.into()));
    schema
}

fn b64(data: &[u8]) -> String {
    BASE64.encode(data)
}

fn from_b64<'de, D: Deserializer<'de>>(text: &str) -> Result<Vec<u8>, D::Error> {
    BASE64
        .decode(text)
        .map_err(|err| D::Error::custom(format!("not base64: {err}")))
}

/// Reads `{"type": ..., "data": base64, "mimeType": ...}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Media {
    data: String,
    mime_type: String,
}

macro_rules! media {
    ($ty:ident, $kind:literal, $what:literal) => {
        #[doc = concat!("An ", $what, ": bytes and their MIME type, an MCP `", $kind, "` content block.")]
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $ty {
            /// The MIME type, such as `image/png`.
            pub mime_type: String,
            /// The raw bytes (base64 on the wire).
            pub data: Vec<u8>,
        }

        impl $ty {
            #[doc = concat!("An ", $what, " of `mime_type` holding `data`.")]
            pub fn new(mime_type: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
                $ty {
                    mime_type: mime_type.into(),
                    data: data.into(),
                }
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("type", $kind)?;
                map.serialize_entry("data", &b64(&self.data))?;
                map.serialize_entry("mimeType", &self.mime_type)?;
                map.end()
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let media = Media::deserialize(deserializer)?;
                Ok($ty {
                    data: from_b64::<D>(&media.data)?,
                    mime_type: media.mime_type,
                })
            }
        }

        impl JsonSchema for $ty {
            fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
                stringify!($ty).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                marked(
                    $kind,
                    json_schema!({
                        "type": "object",
                        "properties": {
                            "type": {"const": $kind},
                            "data": {"type": "string", "contentEncoding": "base64"},
                            "mimeType": {"type": "string"}
                        },
                        "required": ["type", "data", "mimeType"]
                    }),
                )
            }
        }
    };
}

media!(Image, "image", "image");
media!(Audio, "audio", "audio clip");

impl Image {
    /// A PNG image.
    pub fn png(data: impl Into<Vec<u8>>) -> Self {
        Image::new("image/png", data)
    }

    /// An SVG image.
    pub fn svg(text: impl Into<String>) -> Self {
        Image::new("image/svg+xml", text.into().into_bytes())
    }
}

impl Audio {
    /// A WAV clip.
    pub fn wav(data: impl Into<Vec<u8>>) -> Self {
        Audio::new("audio/wav", data)
    }
}

/// Binary data of any MIME type: a resource's `blob` contents, or raw bytes on REST.
///
/// Serializes as `{"mimeType": ..., "blob": base64}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    /// The MIME type, such as `application/pdf`.
    pub mime_type: String,
    /// The raw bytes.
    pub data: Vec<u8>,
}

impl Blob {
    /// A blob of `mime_type` holding `data`.
    pub fn new(mime_type: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Blob {
            mime_type: mime_type.into(),
            data: data.into(),
        }
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("mimeType", &self.mime_type)?;
        map.serialize_entry("blob", &b64(&self.data))?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            mime_type: String,
            blob: String,
        }
        let raw = Raw::deserialize(deserializer)?;
        Ok(Blob {
            data: from_b64::<D>(&raw.blob)?,
            mime_type: raw.mime_type,
        })
    }
}

impl JsonSchema for Blob {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Blob".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        marked(
            "blob",
            json_schema!({
                "type": "object",
                "properties": {
                    "mimeType": {"type": "string"},
                    "blob": {"type": "string", "contentEncoding": "base64"}
                },
                "required": ["mimeType", "blob"]
            }),
        )
    }
}

/// The contents of one resource: text or bytes, with its URI and MIME type
/// (MCP `TextResourceContents` / `BlobResourceContents`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResourceContents {
    /// Text contents.
    Text {
        /// The resource's URI.
        uri: String,
        /// Its MIME type.
        mime_type: Option<String>,
        /// The text.
        text: String,
    },
    /// Binary contents (base64 `blob` on the wire).
    Blob {
        /// The resource's URI.
        uri: String,
        /// Its MIME type.
        mime_type: Option<String>,
        /// The bytes.
        data: Vec<u8>,
    },
}

impl ResourceContents {
    /// The resource's URI.
    pub fn uri(&self) -> &str {
        match self {
            ResourceContents::Text { uri, .. } | ResourceContents::Blob { uri, .. } => uri,
        }
    }

    /// Its MIME type, when known.
    pub fn mime_type(&self) -> Option<&str> {
        match self {
            ResourceContents::Text { mime_type, .. } | ResourceContents::Blob { mime_type, .. } => mime_type.as_deref(),
        }
    }
}

impl Serialize for ResourceContents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("uri", self.uri())?;
        if let Some(mime) = self.mime_type() {
            map.serialize_entry("mimeType", mime)?;
        }
        match self {
            ResourceContents::Text { text, .. } => map.serialize_entry("text", text)?,
            ResourceContents::Blob { data, .. } => map.serialize_entry("blob", &b64(data))?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ResourceContents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            uri: String,
            mime_type: Option<String>,
            text: Option<String>,
            blob: Option<String>,
        }
        let raw = Raw::deserialize(deserializer)?;
        match (raw.text, raw.blob) {
            (Some(text), None) => Ok(ResourceContents::Text {
                uri: raw.uri,
                mime_type: raw.mime_type,
                text,
            }),
            (None, Some(blob)) => Ok(ResourceContents::Blob {
                uri: raw.uri,
                mime_type: raw.mime_type,
                data: from_b64::<D>(&blob)?,
            }),
            _ => Err(D::Error::custom(
                "resource contents have exactly one of `text` and `blob`",
            )),
        }
    }
}

impl JsonSchema for ResourceContents {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "ResourceContents".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "properties": {
                "uri": {"type": "string"},
                "mimeType": {"type": "string"},
                "text": {"type": "string"},
                "blob": {"type": "string", "contentEncoding": "base64"}
            },
            "required": ["uri"]
        })
    }
}

/// A resource's contents inside a result or a message (MCP `resource` block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedResource {
    /// The contents.
    pub resource: ResourceContents,
}

impl EmbeddedResource {
    /// Text contents of `uri`, of type `mime_type`.
    pub fn text(uri: impl Into<String>, mime_type: impl Into<String>, text: impl Into<String>) -> Self {
        EmbeddedResource {
            resource: ResourceContents::Text {
                uri: uri.into(),
                mime_type: Some(mime_type.into()),
                text: text.into(),
            },
        }
    }

    /// Binary contents of `uri`, of type `mime_type`.
    pub fn blob(uri: impl Into<String>, mime_type: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        EmbeddedResource {
            resource: ResourceContents::Blob {
                uri: uri.into(),
                mime_type: Some(mime_type.into()),
                data: data.into(),
            },
        }
    }
}

impl Serialize for EmbeddedResource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("type", "resource")?;
        map.serialize_entry("resource", &self.resource)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for EmbeddedResource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            resource: ResourceContents,
        }
        Ok(EmbeddedResource {
            resource: Raw::deserialize(deserializer)?.resource,
        })
    }
}

impl JsonSchema for EmbeddedResource {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "EmbeddedResource".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let contents = ResourceContents::json_schema(generator);
        marked(
            "resource",
            json_schema!({
                "type": "object",
                "properties": {"type": {"const": "resource"}, "resource": contents},
                "required": ["type", "resource"]
            }),
        )
    }
}

/// A link to a resource the client may read (MCP `resource_link` block).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceLink {
    /// The resource's URI.
    pub uri: String,
    /// Its name.
    pub name: String,
    /// A description.
    #[serde(default)]
    pub description: Option<String>,
    /// Its MIME type.
    #[serde(default)]
    pub mime_type: Option<String>,
}

impl ResourceLink {
    /// A link to `uri` named `name`.
    pub fn new(uri: impl Into<String>, name: impl Into<String>) -> Self {
        ResourceLink {
            uri: uri.into(),
            name: name.into(),
            description: None,
            mime_type: None,
        }
    }

    /// The same link with a MIME type.
    #[must_use]
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// The same link with a description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl Serialize for ResourceLink {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", "resource_link")?;
        map.serialize_entry("uri", &self.uri)?;
        map.serialize_entry("name", &self.name)?;
        if let Some(description) = &self.description {
            map.serialize_entry("description", description)?;
        }
        if let Some(mime) = &self.mime_type {
            map.serialize_entry("mimeType", mime)?;
        }
        map.end()
    }
}

impl JsonSchema for ResourceLink {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "ResourceLink".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        marked(
            "resource_link",
            json_schema!({
                "type": "object",
                "properties": {
                    "type": {"const": "resource_link"},
                    "uri": {"type": "string"},
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "mimeType": {"type": "string"}
                },
                "required": ["type", "uri", "name"]
            }),
        )
    }
}

/// One content block of a mixed result or a prompt message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Text (`{"type": "text", "text": ...}`).
    Text(String),
    /// An image.
    Image(Image),
    /// An audio clip.
    Audio(Audio),
    /// An embedded resource.
    Resource(EmbeddedResource),
    /// A link to a resource.
    ResourceLink(ResourceLink),
}

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Content::Text(text.into())
    }
}

impl From<String> for Content {
    fn from(text: String) -> Self {
        Content::Text(text)
    }
}

impl From<&str> for Content {
    fn from(text: &str) -> Self {
        Content::Text(text.to_owned())
    }
}

impl From<Image> for Content {
    fn from(image: Image) -> Self {
        Content::Image(image)
    }
}

impl From<Audio> for Content {
    fn from(audio: Audio) -> Self {
        Content::Audio(audio)
    }
}

impl From<EmbeddedResource> for Content {
    fn from(resource: EmbeddedResource) -> Self {
        Content::Resource(resource)
    }
}

impl From<ResourceLink> for Content {
    fn from(link: ResourceLink) -> Self {
        Content::ResourceLink(link)
    }
}

impl Serialize for Content {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Content::Text(text) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "text")?;
                map.serialize_entry("text", text)?;
                map.end()
            }
            Content::Image(image) => image.serialize(serializer),
            Content::Audio(audio) => audio.serialize(serializer),
            Content::Resource(resource) => resource.serialize(serializer),
            Content::ResourceLink(link) => link.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = value.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
        let content = match kind.as_str() {
            "text" => match value.get("text").and_then(Value::as_str) {
                Some(text) => Ok(Content::Text(text.to_owned())),
                None => return Err(D::Error::custom("a text block needs `text`")),
            },
            "image" => Image::deserialize(value).map(Content::Image),
            "audio" => Audio::deserialize(value).map(Content::Audio),
            "resource" => EmbeddedResource::deserialize(value).map(Content::Resource),
            "resource_link" => ResourceLink::deserialize(value).map(Content::ResourceLink),
            other => return Err(D::Error::custom(format!("unknown content type `{other}`"))),
        };
        content.map_err(D::Error::custom)
    }
}

impl JsonSchema for Content {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Content".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let text = json_schema!({
            "type": "object",
            "properties": {"type": {"const": "text"}, "text": {"type": "string"}},
            "required": ["type", "text"]
        });
        let mut branches = vec![text];
        for mut branch in [
            Image::json_schema(generator),
            Audio::json_schema(generator),
            EmbeddedResource::json_schema(generator),
            ResourceLink::json_schema(generator),
        ] {
            branch.remove(CONTENT_KEYWORD);
            branches.push(branch);
        }
        marked("content", json_schema!({ "type": "object", "oneOf": branches }))
    }
}

/// One message of a prompt: a role and one content block.
///
/// ```
/// use registry_core::content::{EmbeddedResource, Image, PromptMessage, Role};
///
/// let messages = vec![
///     PromptMessage::user(EmbeddedResource::text("test://doc", "text/plain", "Hello")),
///     PromptMessage::assistant("I read it."),
///     PromptMessage::user(Image::png(vec![1, 2, 3])),
/// ];
/// assert_eq!(messages[1].role, Role::Assistant);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PromptMessage {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: Content,
}

impl PromptMessage {
    /// A message from the user: text, an image, audio or an embedded resource.
    pub fn user(content: impl Into<Content>) -> Self {
        PromptMessage {
            role: Role::User,
            content: content.into(),
        }
    }

    /// A message from the assistant.
    pub fn assistant(content: impl Into<Content>) -> Self {
        PromptMessage {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// What an `#[api_prompt]` function may return: its messages.
///
/// Implemented for `Vec<PromptMessage>` and a single [`PromptMessage`].
#[diagnostic::on_unimplemented(
    message = "an #[api_prompt] function returns prompt messages, not `{Self}`",
    label = "not prompt messages",
    note = "return `Vec<PromptMessage>` (or `Result<Vec<PromptMessage>, E>`), built with `PromptMessage::user(..)` and `PromptMessage::assistant(..)`"
)]
pub trait PromptOutput {}

impl PromptOutput for Vec<PromptMessage> {}
impl PromptOutput for PromptMessage {}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn blocks_round_trip() {
        let blocks: Vec<Content> = vec![
            "hi".into(),
            Image::png(vec![1, 2]).into(),
            Audio::wav(vec![3]).into(),
            EmbeddedResource::text("test://x", "text/plain", "t").into(),
            EmbeddedResource::blob("test://y", "image/png", vec![4]).into(),
            ResourceLink::new("test://z", "z").with_mime_type("text/plain").into(),
        ];
        let json = serde_json::to_value(&blocks).unwrap();
        assert_eq!(
            json[1],
            json!({"type": "image", "data": "AQI=", "mimeType": "image/png"})
        );
        assert_eq!(
            json[4]["resource"],
            json!({"uri": "test://y", "mimeType": "image/png", "blob": "BA=="})
        );
        assert_eq!(
            json[5],
            json!({"type": "resource_link", "uri": "test://z", "name": "z", "mimeType": "text/plain"})
        );
        let back: Vec<Content> = serde_json::from_value(json).unwrap();
        assert_eq!(back, blocks);
    }

    #[test]
    fn kinds_from_schemas() {
        let mut generator = SchemaGenerator::default();
        let kind = |schema: Schema| OutputKind::of_schema(&schema.to_value());
        assert_eq!(kind(Image::json_schema(&mut generator)), OutputKind::Image);
        assert_eq!(kind(Blob::json_schema(&mut generator)), OutputKind::Blob);
        assert_eq!(kind(<Vec<Content>>::json_schema(&mut generator)), OutputKind::Mixed);
        assert_eq!(kind(<Vec<u8>>::json_schema(&mut generator)), OutputKind::Bytes);
        let mut serializing = schemars::generate::SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator();
        assert_eq!(kind(Bytes::json_schema(&mut serializing)), OutputKind::Bytes);
        assert_eq!(
            serde_json::to_value(Bytes::from_static(&[1, 2])).unwrap(),
            json!([1, 2])
        );
        assert_eq!(kind(String::json_schema(&mut generator)), OutputKind::Text);
        assert_eq!(kind(<Vec<i64>>::json_schema(&mut generator)), OutputKind::Json);
        assert!(OutputKind::Mixed.is_content() && !OutputKind::Bytes.is_content());
    }
}
