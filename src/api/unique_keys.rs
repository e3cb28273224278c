//! JSON parsed into a `serde_json::Value` in one pass that refuses an
//! object naming the same key twice, at any depth. RFC 8259 leaves such
//! objects' meaning open: serde_json keeps the last value, while a proxy
//! or firewall in front of Kiosk may read the first and judge another
//! request than the one Kiosk acts on.
//!
//! Keys are compared after unescaping (`"a"` and `"\u0061"` are one key).
//! The check costs one map insert per key, which building the `Value`
//! pays anyway.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a body is not acceptable JSON.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Bad syntax, invalid UTF-8, trailing data, nested too deeply.
    Malformed,
    /// Well-formed, but some object repeats a key.
    DuplicateKey,
}

/// The message the visitor fails with; only it raises data errors while
/// building a `Value`, so a data error means a repeated key.
const DUPLICATE_KEY: &str = "duplicate key";

pub fn parse(bytes: &[u8]) -> Result<Value, Refusal> {
    serde_json::from_slice::<UniqueKeys>(bytes)
        .map(|v| v.0)
        .map_err(|e| match e.classify() {
            serde_json::error::Category::Data => Refusal::DuplicateKey,
            _ => Refusal::Malformed,
        })
}

struct UniqueKeys(Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(UniqueKeysVisitor)
            .map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let UniqueKeys(value) = map.next_value()?;
            if object.insert(key, value).is_some() {
                return Err(de::Error::custom(DUPLICATE_KEY));
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_like_serde_json_when_keys_are_unique() {
        for text in [
            "null",
            "true",
            "-3",
            "18446744073709551615",
            "1.5e3",
            r#""é\n""#,
            r#"{"a":[1,{"a":2},{"a":3}],"b":{"a":{}}}"#,
            "[]",
            "{}",
        ] {
            let expected: Value = serde_json::from_str(text).expect("valid JSON");
            assert_eq!(parse(text.as_bytes()), Ok(expected), "{text}");
        }
    }

    #[test]
    fn refuses_a_repeated_key_at_any_depth() {
        for text in [
            r#"{"a":1,"a":1}"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"{"x":{"b":1,"c":2,"b":3}}"#,
            r#"[[{"a":{"k":null,"k":null}}]]"#,
        ] {
            assert_eq!(parse(text.as_bytes()), Err(Refusal::DuplicateKey), "{text}");
        }
    }

    #[test]
    fn malformed_stays_malformed() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        for text in ["", "{", r#"{"a":1,"a":"#, "{} x", "1e400", deep.as_str()] {
            assert_eq!(parse(text.as_bytes()), Err(Refusal::Malformed), "{text}");
        }
        assert_eq!(parse(b"\"\xff\""), Err(Refusal::Malformed));
    }
}
