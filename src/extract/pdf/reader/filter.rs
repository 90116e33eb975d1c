//! Stream filters (ISO 32000-1 §7.4): Flate and LZW with their predictors, ASCIIHex,
//! ASCII85 and RunLength. The image codecs (DCT, CCITT fax, JPX, JBIG2) are left for
//! `image` to decode: data that reaches one is returned with its name. Every output is
//! bounded by `MAX_OUTPUT`; damaged data is an error, never a panic.

use super::object::{Dict, Object};

/// The most bytes one stream may decode to (a deflate bomb stops here).
pub const MAX_OUTPUT: usize = 256 << 20;

/// A stream's data once its non-image filters are undone.
#[derive(Debug)]
pub struct Decoded {
    pub data: Vec<u8>,
    /// The image codec still to apply (`DCTDecode`…) and its parameters.
    pub image: Option<(Vec<u8>, Dict)>,
    /// Compressed data cut short or failing its checksum: `data` is what it gave, which
    /// may be incomplete or wrong (the caller reports it).
    pub damaged: bool,
}

/// Undo the filters of a stream with dictionary `dict` (an inline image's keys may be
/// abbreviated: `F`, `DP`, `AHx`, `Fl`…).
pub fn decode(dict: &Dict, data: &[u8]) -> Result<Decoded, String> {
    let filters = list(dict.get(b"Filter").or_else(|| dict.get(b"F")))?;
    let parms = dict.get(b"DecodeParms").or_else(|| dict.get(b"DP"));
    let mut data = std::borrow::Cow::Borrowed(data);
    let mut damaged = false;
    for (i, name) in filters.iter().enumerate() {
        let parm = match parms {
            Some(Object::Array(a)) => a.get(i).and_then(Object::as_dict).cloned(),
            Some(o) => o.as_dict().cloned(),
            None => None,
        }
        .unwrap_or_default();
        let out = match name.as_slice() {
            b"FlateDecode" | b"Fl" => {
                let (out, short) = inflate(&data)?;
                damaged |= short;
                predict(&out, &parm)?
            }
            b"LZWDecode" | b"LZW" => {
                let (out, doubt) = lzw(&data, &parm)?;
                damaged |= doubt;
                predict(&out, &parm)?
            }
            b"ASCIIHexDecode" | b"AHx" => ascii_hex(&data),
            b"ASCII85Decode" | b"A85" => ascii85(&data)?,
            b"RunLengthDecode" | b"RL" => run_length(&data)?,
            b"Crypt" => data.into_owned(),
            b"DCTDecode" | b"DCT" | b"CCITTFaxDecode" | b"CCF" | b"JPXDecode" | b"JBIG2Decode" => {
                let name = match name.as_slice() {
                    b"DCT" => b"DCTDecode".to_vec(),
                    b"CCF" => b"CCITTFaxDecode".to_vec(),
                    n => n.to_vec(),
                };
                return Ok(Decoded {
                    data: data.into_owned(),
                    image: Some((name, parm)),
                    damaged,
                });
            }
            other => {
                return Err(format!(
                    "unknown filter /{}",
                    String::from_utf8_lossy(other)
                ));
            }
        };
        data = std::borrow::Cow::Owned(out);
    }
    Ok(Decoded {
        data: data.into_owned(),
        image: None,
        damaged,
    })
}

/// The filter names: one name or an array of them (the caller resolved references);
/// anything else is an error — the data would otherwise be read as it is stored.
fn list(filter: Option<&Object>) -> Result<Vec<Vec<u8>>, String> {
    let not_a_name = || "a /Filter that is not a name".to_string();
    match filter {
        None | Some(Object::Null) => Ok(Vec::new()),
        Some(Object::Name(n)) => Ok(vec![n.clone()]),
        Some(Object::Array(a)) => a
            .iter()
            .map(|o| o.as_name().map(<[u8]>::to_vec).ok_or_else(not_a_name))
            .collect(),
        Some(_) => Err(not_a_name()),
    }
}

/// zlib (or, as some writers emit, raw deflate) data. Data missing its checksum reads
/// as every reader reads it; data cut short or failing its checksum gives what it
/// held and says so (`true`); corrupt deflate data is an error.
fn inflate(data: &[u8]) -> Result<(Vec<u8>, bool), String> {
    let zlib = data.len() >= 2
        && data[0] & 0x0f == 8
        && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0;
    match run_inflate(data, zlib) {
        // The deflate data may have ended and only the checksum be missing: read raw,
        // it ends exactly at the end of the data (a checksum present but wrong would
        // be left over).
        Ok((out, true, _)) if zlib => match run_inflate(&data[2..], false) {
            Ok((raw, false, used)) if used == data.len() - 2 => Ok((raw, false)),
            _ => Ok((out, true)),
        },
        Ok((out, doubt, _)) => Ok((out, doubt)),
        // A header that only looked like zlib's: raw deflate.
        Err(e) if zlib && !e.contains("MiB") => run_inflate(data, false)
            .map(|(out, doubt, _)| (out, doubt))
            .map_err(|_| e),
        Err(e) => Err(e),
    }
}

/// The inflated data, whether it is in doubt (cut short: the input ended before the end
/// of the deflate stream; or failing the zlib checksum), and the bytes of input used.
fn run_inflate(data: &[u8], zlib: bool) -> Result<(Vec<u8>, bool, usize), String> {
    use flate2::{Decompress, FlushDecompress, Status};
    let mut z = Decompress::new(zlib);
    let mut out: Vec<u8> = Vec::with_capacity(data.len().saturating_mul(4).clamp(64, MAX_OUTPUT));
    loop {
        if out.len() == out.capacity() {
            if out.len() >= MAX_OUTPUT {
                return Err(format!("a stream inflates past {} MiB", MAX_OUTPUT >> 20));
            }
            out.reserve(out.len().clamp(4096, MAX_OUTPUT - out.len()));
        }
        let (before_in, before_out) = (z.total_in(), z.total_out());
        let input = data.get(before_in as usize..).unwrap_or_default();
        let status = z.decompress_vec(input, &mut out, FlushDecompress::None);
        if out.len() > MAX_OUTPUT {
            return Err(format!("a stream inflates past {} MiB", MAX_OUTPUT >> 20));
        }
        match status {
            Ok(Status::StreamEnd) => return Ok((out, false, z.total_in() as usize)),
            Ok(_) if z.total_in() == before_in && z.total_out() == before_out => {
                return Ok((out, true, z.total_in() as usize));
            }
            Ok(_) => {}
            // A wrong checksum after the data ended: what it gave, in doubt (a changed
            // byte in the compressed data shows only here).
            Err(_) if zlib && !out.is_empty() && z.total_in() as usize + 4 >= data.len() => {
                return Ok((out, true, z.total_in() as usize));
            }
            Err(e) => {
                return Err(format!(
                    "damaged Flate data after {} bytes: {e}",
                    z.total_out()
                ));
            }
        }
    }
}

/// Undo a PNG (10–15) or TIFF (2) predictor.
fn predict(data: &[u8], parm: &Dict) -> Result<Vec<u8>, String> {
    let predictor = parm.int(b"Predictor").unwrap_or(1);
    if predictor < 2 {
        return Ok(data.to_vec());
    }
    let colors = parm.int(b"Colors").unwrap_or(1).clamp(1, 32) as usize;
    let bpc = parm.int(b"BitsPerComponent").unwrap_or(8).clamp(1, 16) as usize;
    let columns = parm.int(b"Columns").unwrap_or(1).clamp(1, 1 << 24) as usize;
    let bpp = (colors * bpc).div_ceil(8).max(1);
    let row = (colors * bpc * columns).div_ceil(8);
    if row > data.len() {
        // A row wider than all the data: the parameters are wrong (and would allocate
        // for nothing).
        return Err(format!(
            "a predictor row of {row} bytes for {} bytes of data",
            data.len()
        ));
    }
    if predictor == 2 {
        if bpc != 8 {
            return Err(format!("TIFF predictor with {bpc} bits per component"));
        }
        let mut out = data.to_vec();
        for line in out.chunks_mut(row) {
            for i in bpp..line.len() {
                line[i] = line[i].wrapping_add(line[i - bpp]);
            }
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let (kind, src) = (chunk[0], &chunk[1..]);
        let mut cur = src.to_vec();
        cur.resize(row, 0);
        for i in 0..row {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = match kind {
                0 => cur[i],
                1 => cur[i].wrapping_add(left),
                2 => cur[i].wrapping_add(up),
                3 => cur[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => cur[i].wrapping_add(paeth(left, up, up_left)),
                k => return Err(format!("PNG predictor row type {k}")),
            };
        }
        out.extend_from_slice(&cur[..src.len().min(row)]);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// LZW data, decoded in pieces so that the bound holds; data without its end code, or
/// with a code that does not decode, gives what came before, in doubt (`true`).
fn lzw(data: &[u8], parm: &Dict) -> Result<(Vec<u8>, bool), String> {
    let early = parm.int(b"EarlyChange").unwrap_or(1) != 0;
    let mut decoder = if early {
        weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
    } else {
        weezl::decode::Decoder::new(weezl::BitOrder::Msb, 8)
    };
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut input = data;
    loop {
        let r = decoder.decode_bytes(input, &mut buf);
        out.extend_from_slice(&buf[..r.consumed_out]);
        input = &input[r.consumed_in..];
        if out.len() > MAX_OUTPUT {
            return Err(format!("a stream decodes past {} MiB", MAX_OUTPUT >> 20));
        }
        match r.status {
            Ok(weezl::LzwStatus::Done) => return Ok((out, false)),
            Ok(weezl::LzwStatus::NoProgress) => return Ok((out, true)),
            Ok(weezl::LzwStatus::Ok) if input.is_empty() && r.consumed_out == 0 => {
                return Ok((out, true));
            }
            Ok(weezl::LzwStatus::Ok) => {}
            Err(_) if !out.is_empty() => return Ok((out, true)),
            Err(e) => return Err(format!("damaged LZW data: {e}")),
        }
    }
}

fn ascii_hex(data: &[u8]) -> Vec<u8> {
    super::syntax::hex_until_end(data).0
}

fn ascii85(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() * 4 / 5);
    let mut group = [0u8; 5];
    let mut n = 0;
    let body = data.strip_prefix(b"<~").unwrap_or(data);
    for &b in body {
        match b {
            b'~' => break,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = b - b'!';
                n += 1;
                if n == 5 {
                    out.extend_from_slice(&base85(&group)?.to_be_bytes());
                    n = 0;
                }
            }
            b if super::syntax::is_space(b) => {}
            b => return Err(format!("byte {b:#04x} in ASCII85 data")),
        }
    }
    if n == 1 {
        return Err("ASCII85 data ends with one digit".into());
    }
    if n > 1 {
        group[n..].fill(84);
        out.extend_from_slice(&base85(&group)?.to_be_bytes()[..n - 1]);
    }
    Ok(out)
}

fn base85(group: &[u8; 5]) -> Result<u32, String> {
    let v = group.iter().fold(0u64, |acc, &d| acc * 85 + u64::from(d));
    u32::try_from(v).map_err(|_| "ASCII85 group out of range".to_string())
}

fn run_length(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while let Some(&len) = data.get(i) {
        i += 1;
        match len {
            128 => break,
            0..=127 => {
                let n = usize::from(len) + 1;
                out.extend_from_slice(&data[i..(i + n).min(data.len())]);
                i += n;
            }
            _ => {
                if let Some(&b) = data.get(i) {
                    out.extend(std::iter::repeat_n(b, 257 - usize::from(len)));
                }
                i += 1;
            }
        }
        if out.len() > MAX_OUTPUT {
            return Err(format!("a stream decodes past {} MiB", MAX_OUTPUT >> 20));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn dict(pairs: &[(&str, Object)]) -> Dict {
        Dict(
            pairs
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v.clone()))
                .collect(),
        )
    }

    fn name(s: &str) -> Object {
        Object::Name(s.as_bytes().to_vec())
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn flate_whole_cut_and_raw() {
        let text = "BT /F1 12 Tf (机密★10年) Tj ET".repeat(50);
        let z = zlib(text.as_bytes());
        let d = decode(&dict(&[("Filter", name("FlateDecode"))]), &z).unwrap();
        assert_eq!(d.data, text.as_bytes());
        // Without its checksum: the data is all there.
        let d = decode(&dict(&[("Filter", name("FlateDecode"))]), &z[..z.len() - 4]).unwrap();
        assert_eq!(d.data, text.as_bytes());
        assert!(!d.damaged);
        // Cut short: what it holds, and that it was cut.
        let d = decode(&dict(&[("Filter", name("FlateDecode"))]), &z[..z.len() / 2]).unwrap();
        assert!(d.damaged && !d.data.is_empty() && text.as_bytes().starts_with(&d.data));
        // A wrong checksum: in doubt.
        let mut bad = z.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let d = decode(&dict(&[("Filter", name("FlateDecode"))]), &bad).unwrap();
        assert!(d.damaged);
        // Raw deflate.
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        let raw = e.finish().unwrap();
        let d = decode(&dict(&[("Filter", name("Fl"))]), &raw).unwrap();
        assert_eq!(d.data, text.as_bytes());
        // Garbage is an error.
        assert!(
            decode(
                &dict(&[("Filter", name("FlateDecode"))]),
                b"\x78\x9c\xff\xff\xff\xff"
            )
            .is_err()
        );
    }

    #[test]
    fn png_predictor_up() {
        // Two rows of 3 bytes, "up" filter on the second.
        let rows = [0u8, 1, 2, 3, 2, 1, 1, 1];
        let parm = dict(&[("Predictor", Object::Int(12)), ("Columns", Object::Int(3))]);
        assert_eq!(predict(&rows, &parm).unwrap(), vec![1, 2, 3, 2, 3, 4]);
    }

    #[test]
    fn ascii_filters_and_run_length() {
        assert_eq!(ascii_hex(b"4E 6F7>"), b"Nop");
        assert_eq!(ascii85(b"<~9jqo^~>").unwrap(), b"Man ");
        assert_eq!(ascii85(b"9jqo^BlbD-~>").unwrap(), b"Man is d");
        assert_eq!(ascii85(b"9jqo^Bl~>").unwrap(), b"Man i");
        assert_eq!(ascii85(b"z~>").unwrap(), [0, 0, 0, 0]);
        assert_eq!(
            run_length(&[2, b'a', b'b', b'c', 254, b'x', 128]).unwrap(),
            b"abcxxx"
        );
    }

    #[test]
    fn chains_and_image_codecs() {
        let z = zlib(b"hello");
        let hexed: String = z.iter().map(|b| format!("{b:02x}")).collect();
        let d = dict(&[(
            "Filter",
            Object::Array(vec![name("ASCIIHexDecode"), name("FlateDecode")]),
        )]);
        assert_eq!(decode(&d, hexed.as_bytes()).unwrap().data, b"hello");
        let d = dict(&[("Filter", name("DCTDecode"))]);
        let out = decode(&d, b"\xff\xd8").unwrap();
        assert_eq!(out.image.unwrap().0, b"DCTDecode");
        assert!(decode(&dict(&[("Filter", name("Nonsense"))]), b"").is_err());
    }

    #[test]
    fn a_bomb_stops_at_the_bound() {
        let zeros = vec![0u8; MAX_OUTPUT + 1];
        let z = zlib(&zeros);
        match decode(&dict(&[("Filter", name("FlateDecode"))]), &z) {
            Err(e) => assert!(e.contains("MiB"), "{e}"),
            Ok(d) => panic!("decoded {} bytes", d.data.len()),
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..2_000 {
            let data: Vec<u8> = (0..(i % 97))
                .map(|_| super::super::next_random(&mut x) as u8)
                .collect();
            for f in [
                "FlateDecode",
                "LZWDecode",
                "ASCII85Decode",
                "ASCIIHexDecode",
                "RunLengthDecode",
            ] {
                let _ = decode(&dict(&[("Filter", name(f))]), &data);
            }
            let parm = dict(&[
                ("Predictor", Object::Int(15)),
                ("Columns", Object::Int((i % 7) as i64)),
            ]);
            let _ = predict(&data, &parm);
        }
    }
}
