//! XMP metadata (ISO 16684-1, Adobe's XMP Specification Part 1): the properties of a
//! packet's `rdf:Description` elements, keyed by local name whatever the namespace —
//! `dc:title`, `pdf:Keywords`, Acrobat's `pdfx:` custom keys, Office's
//! `pdfx:MSIP_Label_<guid>_Name`, or any namespace a producer chose for `密级`. A simple
//! property is the element's text or an attribute of the description; an array
//! (`rdf:Alt`, `rdf:Seq`, `rdf:Bag`) is its items joined with `; `.

use super::ExtractError;
use super::xml::{self, Ev};

/// Deeper than any packet's Description > property > array > item.
const MAX_DEPTH: usize = 64;

/// The (key, value) properties of the XMP packet `bytes`, named `part` in errors.
pub fn properties(bytes: &[u8], part: &str) -> Result<Vec<(String, String)>, ExtractError> {
    let mut found: Vec<(String, String)> = Vec::new();
    // Depth of the open `Description`, and the property open below it with its items.
    let mut depth = 0usize;
    let mut description: Option<usize> = None;
    let mut property: Option<(String, Vec<String>)> = None;
    let mut text = String::new();
    xml::walk(bytes, part, MAX_DEPTH, |ev| match ev {
        Ev::Open(e) => {
            depth += 1;
            match (description, &mut property) {
                (None, _) if e.name == "Description" => {
                    description = Some(depth);
                    found.extend(
                        e.attrs()
                            .into_iter()
                            .filter(|(prefix, _, _)| prefix.as_deref() != Some("rdf"))
                            .filter(|(prefix, local, _)| !(prefix.is_none() && local == "about"))
                            .map(|(_, local, value)| (local, value.trim().to_string())),
                    );
                }
                (Some(d), None) if depth == d + 1 => {
                    property = Some((e.name.to_string(), Vec::new()));
                    text.clear();
                }
                (Some(_), Some(_)) if e.name == "li" => text.clear(),
                _ => {}
            }
        }
        Ev::Text(t) => {
            if property.is_some() {
                text.push_str(t);
            }
        }
        Ev::Close(name) => {
            if let Some((_, items)) = &mut property {
                if name == "li" {
                    items.push(text.trim().to_string());
                    text.clear();
                } else if description.is_some_and(|d| depth == d + 1) {
                    let (key, mut items) = property.take().unwrap_or_default();
                    if items.is_empty() {
                        items.push(text.trim().to_string());
                    }
                    found.push((key, items.join("; ")));
                }
            } else if description == Some(depth) {
                description = None;
            }
            depth = depth.saturating_sub(1);
        }
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packet LibreOffice 7.4 writes into a PDF/A-2b export (its Info has the
    /// same title, subject and keywords), with custom keys as Acrobat writes them.
    const PACKET: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>2</pdfaid:part>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">关于管网改造的报告</rdf:li></rdf:Alt></dc:title>
   <dc:subject><rdf:Bag><rdf:li>管网</rdf:li><rdf:li>改造</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Keywords>管网</pdf:Keywords>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdfx="http://ns.adobe.com/pdfx/1.3/" pdfx:保密期限="10年">
   <pdfx:密级>机密</pdfx:密级>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#;

    #[test]
    fn properties_of_every_namespace_by_local_name() {
        let got = properties(PACKET.as_bytes(), "XMP metadata").unwrap();
        let want = [
            ("part", "2"),
            ("title", "关于管网改造的报告"),
            ("subject", "管网; 改造"),
            ("Keywords", "管网"),
            ("保密期限", "10年"),
            ("密级", "机密"),
        ];
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_broken_packet_is_an_error_naming_the_part() {
        match properties(b"<x:xmpmeta><rdf:RDF></x:xmpmeta>", "XMP metadata") {
            Err(ExtractError::Corrupt(why)) => assert!(why.starts_with("XMP metadata"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
