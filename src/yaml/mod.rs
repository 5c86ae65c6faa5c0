//! A small, deterministic YAML emitter, in the block style kubectl and gcloud
//! write (sequences not indented under their key).
//!
//! Two parts: [`quote`] decides whether a string can be written plain or must
//! be double-quoted (and escapes it), so that every YAML 1.1 or 1.2 reader
//! reads back the same string; [`serializer`] is a serde `Serializer` that
//! writes typed objects (k8s-openapi, the GKE types, the kubeconfig) straight
//! into block YAML, with no intermediate JSON tree.
//!
//! Hand-written rather than serde_yaml_ng / serde_norway: those quote by
//! YAML 1.2 rules only (an unquoted `yes` or `2001-12-14` is read as a bool
//! or a date by YAML 1.1 readers such as PyYAML and older kubectl), and their
//! layout differs from kubectl's.

mod quote;
mod serializer;

pub use quote::string;
pub use serializer::{json_len, Emitter, Error};

/// Serialize any value as a YAML document. Fails only for values YAML block
/// mappings cannot key (a map with sequence or mapping keys) or whose own
/// `Serialize` reports an error; nothing is returned then, never a partial
/// document.
pub fn to_yaml<T: serde::Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    let mut e = Emitter::with_capacity(1024);
    e.document(v)?;
    Ok(e.finish())
}

/// An integer's decimal text, written into `buf` (no String per number).
pub(crate) fn decimal(mut v: u64, negative: bool, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if negative {
        // i64::MIN's magnitude has 19 digits: there is always room.
        i -= 1;
        buf[i] = b'-';
    }
    // Only ASCII digits and '-' were written.
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_like_to_string() {
        for v in [0i64, 7, -7, 10, 65535, -100, i64::MAX, i64::MIN] {
            let mut buf = [0u8; 20];
            assert_eq!(decimal(v.unsigned_abs(), v < 0, &mut buf), v.to_string());
        }
        let mut buf = [0u8; 20];
        assert_eq!(decimal(u64::MAX, false, &mut buf), u64::MAX.to_string());
    }
}
