//! The tokens of an XML part already decoded to a `str`: tags, text, references,
//! CDATA, and a DTD's place — no entity is ever expanded, no event allocates. Every
//! token is a slice of the text cut at ASCII delimiters, so it is a `str` without a
//! second UTF-8 check (quick-xml checked every run of text again: a tenth of reading
//! a .docx). Syntax the walk cannot read is an error, never skipped.

use memchr::{memchr, memchr2, memchr3, memmem};

/// One token.
#[derive(Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// `<name attrs>` or `<name attrs/>` (`empty`): the qualified name and the raw
    /// attribute text (unparsed: `Attributes` reads it).
    Start {
        name: &'a str,
        attrs: &'a str,
        empty: bool,
    },
    /// `</name>`: the qualified name.
    End(&'a str),
    /// Text up to the next tag or reference (line ends not yet normalised).
    Text(&'a str),
    /// `&name;` or `&#…;`: what is between `&` and `;`.
    Ref(&'a str),
    /// The content of `<![CDATA[…]]>`.
    CData(&'a str),
    /// A `<!DOCTYPE …>` (with its internal subset), skipped.
    DocType,
    Eof,
}

/// The tokens of `text`, in order.
pub struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    pub fn new(text: &'a str) -> Tokens<'a> {
        Tokens { text, pos: 0 }
    }

    /// The byte offset reached (where an error was found).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next token; an error says what could not be read at `position`.
    pub fn next_token(&mut self) -> Result<Token<'a>, String> {
        loop {
            let rest = &self.text.as_bytes()[self.pos..];
            let Some(&first) = rest.first() else {
                return Ok(Token::Eof);
            };
            let token = match first {
                b'<' => self.markup()?,
                b'&' => self.reference()?,
                _ => {
                    let len = memchr2(b'<', b'&', rest).unwrap_or(rest.len());
                    Some(Token::Text(self.take(len)?))
                }
            };
            if let Some(token) = token {
                return Ok(token);
            }
        }
    }

    /// The next `len` bytes as a `str`, consumed. Every cut is at an ASCII delimiter
    /// (or the end), so it falls between characters; one that did not would be an
    /// error, never text dropped.
    fn take(&mut self, len: usize) -> Result<&'a str, String> {
        let start = self.pos;
        self.pos += len;
        self.text
            .get(start..self.pos)
            .ok_or_else(|| "a cut inside a character".to_string())
    }

    /// A reference: `&…;` with no `<`, `&` or whitespace before its `;`.
    fn reference(&mut self) -> Result<Option<Token<'a>>, String> {
        let rest = &self.text.as_bytes()[self.pos + 1..];
        let end = rest
            .iter()
            .position(|b| matches!(b, b';' | b'<' | b'&') || b.is_ascii_whitespace());
        match end {
            Some(n) if rest[n] == b';' && n > 0 => {
                self.pos += 1;
                let name = self.take(n)?;
                self.pos += 1;
                Ok(Some(Token::Ref(name)))
            }
            _ => Err("a `&` that starts no reference (`&amp;`, `&#…;`)".into()),
        }
    }

    /// What starts at a `<`: a tag, or a comment or instruction (`None`: skipped).
    fn markup(&mut self) -> Result<Option<Token<'a>>, String> {
        let rest = &self.text[self.pos..];
        if let Some(after) = rest.strip_prefix("</") {
            let len = memchr(b'>', after.as_bytes()).ok_or("an end tag never closed")?;
            self.pos += 2;
            let name = self.take(len)?.trim_end_matches(is_space);
            self.pos += 1;
            return Ok(Some(Token::End(name)));
        }
        if rest.starts_with("<!--") {
            self.skip_past(4, "-->", "a comment never closed")?;
            return Ok(None);
        }
        if rest.starts_with("<![CDATA[") {
            let len = memmem::find(&rest.as_bytes()[9..], b"]]>").ok_or("CDATA never closed")?;
            self.pos += 9;
            let data = self.take(len)?;
            self.pos += 3;
            return Ok(Some(Token::CData(data)));
        }
        if rest.starts_with("<!DOCTYPE") {
            self.skip_doctype()?;
            return Ok(Some(Token::DocType));
        }
        if rest.starts_with("<!") {
            return Err("`<!` that starts no comment, CDATA or DOCTYPE".into());
        }
        if rest.starts_with("<?") {
            self.skip_past(2, "?>", "an instruction (`<?…`) never closed")?;
            return Ok(None);
        }
        self.start_tag().map(Some)
    }

    /// Move past the next `end` found `from` bytes after the position.
    fn skip_past(&mut self, from: usize, end: &str, never: &str) -> Result<(), String> {
        let rest = &self.text.as_bytes()[self.pos + from..];
        let at = memmem::find(rest, end.as_bytes()).ok_or(never)?;
        self.pos += from + at + end.len();
        Ok(())
    }

    /// Move past a `<!DOCTYPE …>`, its `[…]` internal subset included.
    fn skip_doctype(&mut self) -> Result<(), String> {
        let rest = &self.text.as_bytes()[self.pos..];
        let never = "a DOCTYPE never closed";
        let end = memchr2(b'>', b'[', rest).ok_or(never)?;
        let end = if rest[end] == b'[' {
            let close = memchr(b']', &rest[end..]).ok_or(never)? + end;
            memchr(b'>', &rest[close..]).ok_or(never)? + close
        } else {
            end
        };
        self.pos += end + 1;
        Ok(())
    }

    /// `<name attrs>` or `<name attrs/>`: its end is the first `>` outside quotes.
    fn start_tag(&mut self) -> Result<Token<'a>, String> {
        let bytes = self.text.as_bytes();
        let mut at = self.pos + 1;
        let end = loop {
            let found = memchr3(b'>', b'"', b'\'', &bytes[at..]).ok_or("a tag never closed")?;
            let i = at + found;
            if bytes[i] == b'>' {
                break i;
            }
            let close = memchr(bytes[i], &bytes[i + 1..]).ok_or("a quoted value never closed")?;
            at = i + 1 + close + 1;
        };
        self.pos += 1;
        let inner = self.take(end - self.pos)?;
        self.pos += 1;
        let (inner, empty) = match inner.strip_suffix('/') {
            Some(inner) => (inner, true),
            None => (inner, false),
        };
        let split = inner.bytes().position(is_space_byte).unwrap_or(inner.len());
        let (name, attrs) = inner.split_at(split);
        check_attributes(attrs)?;
        Ok(Token::Start { name, attrs, empty })
    }
}

/// XML's white space.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// A tag's attribute text is `name="value"` pairs and white space, no value holding a
/// `<`: an attribute that cannot be read is an error, not skipped (quick-xml's
/// iterator skipped it, and a mark in what follows could be lost with it).
fn check_attributes(attrs: &str) -> Result<(), String> {
    let mut all = Attributes::new(attrs);
    for (_, value) in all.by_ref() {
        if memchr(b'<', value.as_bytes()).is_some() {
            return Err("a `<` in an attribute value".into());
        }
    }
    if all.rest.trim_start_matches(is_space).is_empty() {
        Ok(())
    } else {
        let shown: String = all.rest.trim().chars().take(40).collect();
        Err(format!("an attribute that cannot be read: `{shown}`"))
    }
}

/// The attributes in a start tag's raw attribute text: (qualified name, raw value).
/// Reading stops at the first thing that is no `name="value"` (`check_attributes`
/// refuses a tag with one).
pub struct Attributes<'a> {
    rest: &'a str,
}

impl<'a> Attributes<'a> {
    pub fn new(attrs: &'a str) -> Attributes<'a> {
        Attributes { rest: attrs }
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = (&'a str, &'a str);

    /// The next attribute; at the first malformed one, `None` with `rest` left there.
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        // Byte searches (the memchr crate's): every cut is at an ASCII byte.
        let rest = self.rest.trim_start_matches(is_space);
        let bytes = rest.as_bytes();
        let eq = memchr(b'=', bytes)?;
        let name = rest.get(..eq)?.trim_end_matches(is_space);
        if name.is_empty()
            || name
                .bytes()
                .any(|b| is_space_byte(b) || b == b'"' || b == b'\'')
        {
            return None;
        }
        let skip = bytes[eq + 1..].iter().position(|b| !is_space_byte(*b))?;
        let open = eq + 1 + skip;
        let quote = bytes[open];
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let close = open + 1 + memchr(quote, &bytes[open + 1..])?;
        let after = rest.get(close + 1..)?;
        // Two attributes need white space between them (`a="1"b="2"` is no XML).
        if after.bytes().next().is_some_and(|b| !is_space_byte(b)) {
            return None;
        }
        self.rest = after;
        Some((name, rest.get(open + 1..close)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Result<Vec<Token<'_>>, String> {
        let mut t = Tokens::new(text);
        let mut out = Vec::new();
        loop {
            match t.next_token()? {
                Token::Eof => return Ok(out),
                token => out.push(token),
            }
        }
    }

    #[test]
    fn tags_text_references_and_cdata() {
        use Token::*;
        assert_eq!(
            all("<?xml version=\"1.0\"?><w:p a='1>' b=\"/\"><!-- c --><w:t>机密&amp;★&#x5E74;</w:t><br/><![CDATA[<x>]]></w:p >")
                .unwrap(),
            vec![
                Start {
                    name: "w:p",
                    attrs: " a='1>' b=\"/\"",
                    empty: false
                },
                Start {
                    name: "w:t",
                    attrs: "",
                    empty: false
                },
                Text("机密"),
                Ref("amp"),
                Text("★"),
                Ref("#x5E74"),
                End("w:t"),
                Start {
                    name: "br",
                    attrs: "",
                    empty: true
                },
                CData("<x>"),
                End("w:p"),
            ]
        );
    }

    #[test]
    fn a_doctype_is_one_token_with_its_subset() {
        let text = "<!DOCTYPE l [<!ENTITY a \"x>\">]><l>&a;</l>";
        let tokens = all(text).unwrap();
        assert_eq!(tokens[0], Token::DocType);
        assert_eq!(
            tokens[1],
            Token::Start {
                name: "l",
                attrs: "",
                empty: false
            }
        );
    }

    #[test]
    fn what_is_never_closed_is_an_error() {
        for bad in [
            "<a",
            "<a b=\"x>",
            "</a",
            "<!-- x",
            "<![CDATA[x",
            "<?pi",
            "<!DOCTYPE x",
            "a & b",
            "&amp",
            "&;",
            "<!x>",
            "<a b>",
            "<a b=1>",
            "<a b=\"1\"c=\"2\">",
            "<a b=\"<\">",
            "<a b=\"1\" c>",
        ] {
            assert!(all(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn attributes_are_read_up_to_the_first_malformed_one() {
        let got: Vec<_> = Attributes::new(" a=\"1\"  w:b = '2 3' c=4 d=\"5\"").collect();
        assert_eq!(got, vec![("a", "1"), ("w:b", "2 3")]);
        assert!(check_attributes(" a=\"1\"  w:b = '2 3' ").is_ok());
        assert!(check_attributes(" a=\"1\"  w:b = '2 3' c=4").is_err());
        assert_eq!(Attributes::new("").count(), 0);
        assert_eq!(Attributes::new(" x y=\"1\"").count(), 0);
        assert_eq!(Attributes::new(" y=\"1").count(), 0);
    }
}
