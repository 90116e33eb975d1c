//! The ledger as CSV that Excel and WPS open correctly: UTF-8 with a BOM (without it
//! Excel reads Chinese as mojibake), CRLF line ends, RFC 4180 quoting. Cells that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) get a leading `'`.
//! The last two columns (after `today`) say whether a mark was read by OCR and with what
//! mean confidence; a ledger written before them starts with the same 15 columns.

use std::io::Write;

use super::{Ledger, source_key};
use crate::diagnostic::Lang;
use crate::lang;

/// The header's cells in `lang`.
pub(crate) fn columns(lang: Lang) -> [&'static str; 19] {
    lang::CSV_COLUMNS.map(|c| c.pick(lang))
}

/// Chinese CSV is read by people in WPS or Excel: its values are words, not keys
/// (dates stay ISO, which spreadsheets read as dates). English keeps the keys.
fn yes_no(b: bool, l: Lang) -> &'static str {
    match b {
        true => lang::YES.pick(l),
        false => lang::NO.pick(l),
    }
}

fn cell(s: &str) -> String {
    // A number the tool computed (`-2005` days) stays a number.
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<i64>().is_err();
    let s = if formula {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn emit(
    w: &mut dyn Write,
    ledger: &Ledger,
    today: jiff::civil::Date,
    lang: Lang,
) -> std::io::Result<()> {
    w.write_all(b"\xEF\xBB\xBF")?;
    write!(w, "{}\r\n", columns(lang).join(","))?;
    for r in &ledger.rows {
        let fields = [
            r.path.clone(),
            r.part.clone().unwrap_or_default(),
            r.line.to_string(),
            r.level.clone(),
            r.raw.clone(),
            r.term.clone(),
            yes_no(r.attachment, lang).to_string(),
            r.start.map(|d| d.to_string()).unwrap_or_default(),
            r.start_source
                .map(|s| match lang {
                    Lang::Zh => lang::date_source(s, lang),
                    Lang::En => source_key(s),
                })
                .unwrap_or_default()
                .to_string(),
            r.last_day.map(|d| d.to_string()).unwrap_or_default(),
            r.days_left.map(|d| d.to_string()).unwrap_or_default(),
            match lang {
                Lang::Zh => r.status.label(lang),
                Lang::En => r.status.as_str(),
            }
            .to_string(),
            r.copy_number.clone().unwrap_or_default(),
            r.distribution.clone().unwrap_or_default(),
            today.to_string(),
            r.label.as_ref().map(|l| l.name.clone()).unwrap_or_default(),
            r.label
                .as_ref()
                .map(|l| l.level.clone())
                .unwrap_or_default(),
            match r.ocr {
                Some(_) => lang::READ_BY_OCR.pick(lang),
                None => lang::READ_FROM_TEXT.pick(lang),
            }
            .to_string(),
            r.ocr.map(|c| c.to_string()).unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| cell(f)).collect();
        write!(w, "{}\r\n", line.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn quoting_and_formula_guard() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("-5"), "-5");
        assert_eq!(cell("-cmd|x"), "'-cmd|x");
        assert_eq!(cell("机密★10年"), "机密★10年");
    }
}
