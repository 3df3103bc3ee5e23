//! Serializing results without silently turning `NaN` and infinities into `null`.
//!
//! `serde_json` writes a non-finite `f32`/`f64` as `null`, which breaks the
//! output schema (`"type": "number"`) without anyone noticing. [`Finite`]
//! wraps a value so that serializing it fails instead, naming where the
//! number was (`hashes_per_second`, `items.3.rate`). The wrapper forwards
//! every other call unchanged and keeps the path as a chain of stack frames,
//! so a result with no bad number costs no allocation; map keys are written
//! into the path only on a second pass, after a failure.

use std::fmt::{self, Display};

use serde::ser::{self, Serialize, Serializer};

/// One step of the path to a value.
enum Segment {
    Root,
    Field(&'static str),
    Index(usize),
    Key(Option<String>),
    Variant(&'static str),
}

/// A frame of the path: this value's step and its parent's frame.
struct Node<'a> {
    segment: Segment,
    parent: Option<&'a Node<'a>>,
}

impl Display for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut steps = Vec::new();
        let mut node = Some(self);
        while let Some(current) = node {
            match &current.segment {
                Segment::Field(name) | Segment::Variant(name) => steps.push((*name).to_owned()),
                Segment::Index(index) => steps.push(index.to_string()),
                Segment::Key(Some(key)) => steps.push(key.clone()),
                Segment::Key(None) => steps.push("*".to_owned()),
                Segment::Root => {}
            }
            node = current.parent;
        }
        steps.reverse();
        if steps.is_empty() {
            f.write_str("the result itself")
        } else {
            write!(f, "`{}`", steps.join("."))
        }
    }
}

/// `value`, serialized as itself, except that a non-finite float is an error.
pub(crate) struct Finite<'a, T: ?Sized> {
    value: &'a T,
    node: &'a Node<'a>,
    /// Whether map keys are recorded in the path (the second pass).
    keys: bool,
}

/// `value` as JSON, refusing non-finite floats; on a failure, serializes
/// again to name the map keys on the way to it.
pub(crate) fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<serde_json::Value, serde_json::Error> {
    let root = Node {
        segment: Segment::Root,
        parent: None,
    };
    let first = Finite {
        value,
        node: &root,
        keys: false,
    }
    .serialize(serde_json::value::Serializer);
    match first {
        Ok(ok) => Ok(ok),
        Err(_) => Finite {
            value,
            node: &root,
            keys: true,
        }
        .serialize(serde_json::value::Serializer),
    }
}

impl<T: Serialize + ?Sized> Serialize for Finite<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Check {
            inner: serializer,
            node: self.node,
            keys: self.keys,
        })
    }
}

struct Check<'a, S> {
    inner: S,
    node: &'a Node<'a>,
    keys: bool,
}

impl<S> Check<'_, S> {
    fn non_finite<E: ser::Error>(&self, value: impl Display) -> E {
        E::custom(format_args!(
            "the result holds a non-finite number ({value}) at {}, which JSON cannot represent",
            self.node
        ))
    }
}

/// A nested value, one step below `node`.
fn nested<'a, T: ?Sized>(value: &'a T, node: &'a Node<'a>, keys: bool) -> Finite<'a, T> {
    Finite { value, node, keys }
}

impl<'a, S: Serializer> Serializer for Check<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<'a, S::SerializeSeq>;
    type SerializeTuple = Compound<'a, S::SerializeTuple>;
    type SerializeTupleStruct = Compound<'a, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<'a, S::SerializeTupleVariant>;
    type SerializeMap = Compound<'a, S::SerializeMap>;
    type SerializeStruct = Compound<'a, S::SerializeStruct>;
    type SerializeStructVariant = Compound<'a, S::SerializeStructVariant>;

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        if !v.is_finite() {
            return Err(self.non_finite(v));
        }
        self.inner.serialize_f32(v)
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        if !v.is_finite() {
            return Err(self.non_finite(v));
        }
        self.inner.serialize_f64(v)
    }

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.inner.serialize_bool(v)
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i8(v)
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i16(v)
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i32(v)
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i64(v)
    }
    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i128(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u8(v)
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u16(v)
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u32(v)
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u64(v)
    }
    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u128(v)
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.inner.serialize_char(v)
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_str(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.inner.serialize_bytes(v)
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&nested(value, self.node, self.keys))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(self, name: &'static str, index: u32, variant: &'static str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_struct(name, &nested(value, self.node, self.keys))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let node = Node {
            segment: Segment::Variant(variant),
            parent: Some(self.node),
        };
        self.inner
            .serialize_newtype_variant(name, index, variant, &nested(value, &node, self.keys))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        let inner = self.inner.serialize_seq(len)?;
        Ok(Compound::new(inner, self.node, self.keys))
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        let inner = self.inner.serialize_tuple(len)?;
        Ok(Compound::new(inner, self.node, self.keys))
    }
    fn serialize_tuple_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeTupleStruct, S::Error> {
        let inner = self.inner.serialize_tuple_struct(name, len)?;
        Ok(Compound::new(inner, self.node, self.keys))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        let inner = self.inner.serialize_tuple_variant(name, index, variant, len)?;
        Ok(Compound::new(inner, self.node, self.keys))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        let inner = self.inner.serialize_map(len)?;
        Ok(Compound::new(inner, self.node, self.keys))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct, S::Error> {
        let inner = self.inner.serialize_struct(name, len)?;
        Ok(Compound::new(inner, self.node, self.keys))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let inner = self.inner.serialize_struct_variant(name, index, variant, len)?;
        Ok(Compound::new(inner, self.node, self.keys))
    }
    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// A sequence, map or struct being serialized: each element one step deeper.
struct Compound<'a, C> {
    inner: C,
    node: &'a Node<'a>,
    keys: bool,
    index: usize,
    /// The last map key, as text (second pass only).
    key: Option<String>,
}

impl<'a, C> Compound<'a, C> {
    fn new(inner: C, node: &'a Node<'a>, keys: bool) -> Self {
        Compound {
            inner,
            node,
            keys,
            index: 0,
            key: None,
        }
    }

    fn element<R>(&mut self, f: impl FnOnce(&mut C, &Node<'_>, bool) -> R) -> R {
        let node = Node {
            segment: Segment::Index(self.index),
            parent: Some(self.node),
        };
        self.index += 1;
        f(&mut self.inner, &node, self.keys)
    }

    fn field<R>(&mut self, name: &'static str, f: impl FnOnce(&mut C, &Node<'_>, bool) -> R) -> R {
        let node = Node {
            segment: Segment::Field(name),
            parent: Some(self.node),
        };
        f(&mut self.inner, &node, self.keys)
    }
}

macro_rules! sequence {
    ($trait:ident, $method:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                self.element(|inner, node, keys| inner.$method(&nested(value, node, keys)))
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        }
    };
}

sequence!(SerializeSeq, serialize_element);
sequence!(SerializeTuple, serialize_element);
sequence!(SerializeTupleStruct, serialize_field);
sequence!(SerializeTupleVariant, serialize_field);

macro_rules! record {
    ($trait:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), C::Error> {
                self.field(key, |inner, node, keys| {
                    inner.serialize_field(key, &nested(value, node, keys))
                })
            }
            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.inner.skip_field(key)
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        }
    };
}

record!(SerializeStruct);
record!(SerializeStructVariant);

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        if self.keys {
            self.key = Some(match serde_json::to_value(key) {
                Ok(serde_json::Value::String(text)) => text,
                Ok(other) => other.to_string(),
                Err(_) => "*".to_owned(),
            });
        }
        let node = Node {
            segment: Segment::Key(None),
            parent: Some(self.node),
        };
        self.inner.serialize_key(&nested(key, &node, self.keys))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let node = Node {
            segment: Segment::Key(self.key.take()),
            parent: Some(self.node),
        };
        self.inner.serialize_value(&nested(value, &node, self.keys))
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    fn encode<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, String> {
        super::to_value(value).map_err(|err| err.to_string())
    }

    #[derive(serde::Serialize)]
    struct Rate {
        hashes_per_second: f64,
        display: String,
    }

    #[test]
    fn finite_values_are_unchanged() {
        let value = Rate {
            hashes_per_second: 1.5,
            display: "x".into(),
        };
        assert_eq!(encode(&value), Ok(json!({"hashes_per_second": 1.5, "display": "x"})));
        assert_eq!(encode(&Some(vec![1u8, 2])), Ok(json!([1, 2])));
    }

    #[test]
    fn names_where_the_number_was() {
        let value = Rate {
            hashes_per_second: f64::INFINITY,
            display: "inf".into(),
        };
        let err = encode(&value).unwrap_err();
        assert!(err.contains("(inf) at `hashes_per_second`"), "{err}");
        let nested = vec![(), ()];
        assert!(encode(&nested).is_ok());
        let list = vec![1.0, f64::NAN];
        assert!(encode(&list).unwrap_err().contains("(NaN) at `1`"));
        let map = BTreeMap::from([("a", vec![0.0f32]), ("b", vec![1.0, f32::NEG_INFINITY])]);
        assert!(
            encode(&map).unwrap_err().contains("(-inf) at `b.1`"),
            "{:?}",
            encode(&map)
        );
        assert!(encode(&f64::NAN).unwrap_err().contains("at the result itself"));
    }
}
