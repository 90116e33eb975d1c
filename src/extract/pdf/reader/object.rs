//! The PDF object model (ISO 32000-1 §7.3): what the parser builds and the reader walks.
//! Values only — no file access here; a reference is resolved by `file::Pdf`.

use std::rc::Rc;

#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    /// A string's bytes (escapes and hex already decoded).
    Str(Vec<u8>),
    /// A name's bytes, `#xx` escapes decoded, without the slash.
    Name(Vec<u8>),
    Array(Vec<Object>),
    Dict(Dict),
    Stream(Rc<Stream>),
    /// An indirect reference: object number and generation.
    Ref(u32, u16),
}

/// A dictionary, in file order (dictionaries are small: a linear search is the fastest).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dict(pub Vec<(Vec<u8>, Object)>);

/// A stream: its dictionary and its data as stored (still filtered, already decrypted).
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub dict: Dict,
    pub data: Vec<u8>,
}

impl Dict {
    /// The value of a key; the last one when a key is written twice.
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn name(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key).and_then(Object::as_name)
    }

    pub fn int(&self, key: &[u8]) -> Option<i64> {
        self.get(key).and_then(Object::as_int)
    }
}

impl Object {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            // A real where an integer is due: readers round (7.0 is seen for a /Length).
            Object::Real(r) if r.is_finite() && r.fract() == 0.0 && r.abs() < 9e15 => {
                Some(*r as i64)
            }
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Object::Int(i) => Some(*i as f64),
            Object::Real(r) if r.is_finite() => Some(*r),
            _ => None,
        }
    }

    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&[u8]> {
        match self {
            Object::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    /// A dictionary, or a stream's dictionary.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    pub fn as_stream(&self) -> Option<&Rc<Stream>> {
        match self {
            Object::Stream(s) => Some(s),
            _ => None,
        }
    }
}
