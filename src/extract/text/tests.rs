use super::*;

const SAMPLE: &str = "000001\n秘密★5年\n云岭市人民政府办公室关于加强涉密文件管理工作的通知\n各县（市、区）人民政府：\n";
const MARK: &str = "机密★10年";

fn utf16(s: &str, be: bool) -> Vec<u8> {
    s.encode_utf16()
        .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
        .collect()
}

fn gbk(s: &str) -> Vec<u8> {
    GBK.encode(s).0.into_owned()
}

fn lines_of(gaps: &[Gap]) -> Vec<u32> {
    gaps.iter().map(|g| g.line).collect()
}

#[test]
fn every_encoding_round_trips() {
    let mut bom8 = vec![0xEF, 0xBB, 0xBF];
    bom8.extend_from_slice(SAMPLE.as_bytes());
    let mut le_bom = vec![0xFF, 0xFE];
    le_bom.extend(utf16(SAMPLE, false));
    let mut be_bom = vec![0xFE, 0xFF];
    be_bom.extend(utf16(SAMPLE, true));
    let (gb18030, _, _) = GB18030.encode(SAMPLE);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("utf8", SAMPLE.as_bytes().to_vec(), "UTF-8"),
        ("utf8 bom", bom8, "UTF-8"),
        ("utf16le bom", le_bom, "UTF-16LE"),
        ("utf16be bom", be_bom, "UTF-16BE"),
        ("utf16le", utf16(SAMPLE, false), "UTF-16LE"),
        ("utf16be", utf16(SAMPLE, true), "UTF-16BE"),
        ("gbk", gbk(SAMPLE), "GBK"),
        ("gb18030", gb18030.into_owned(), "GBK"),
    ];
    for (name, bytes, enc) in cases {
        let d = decode(bytes, false).unwrap_or_else(|| panic!("{name}: not decoded"));
        assert_eq!(d.text, SAMPLE, "{name}");
        assert_eq!(d.encoding, enc, "{name}");
        assert!(d.gaps.is_empty(), "{name}: {:?}", d.gaps);
        assert!(d.exact, "{name}");
    }
}

#[test]
fn html_meta_charset_wins() {
    let page = "<html><head><meta charset=\"gbk\"></head><body><p>机密★5年</p></body></html>";
    let d = decode(gbk(page), true).unwrap();
    assert_eq!(d.text, page);
    // Big5 declared: read as Big5, not as the GBK a `.cn` guess would give.
    let page = "<meta charset=big5><p>機密★5年 公文</p>";
    let big5 = encoding_rs::BIG5.encode(page).0.into_owned();
    assert_eq!(decode(big5, true).unwrap().text, page);
}

#[test]
fn binary_is_not_text() {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01";
    assert!(decode(png.to_vec(), false).is_none());
    // Executables, archives, images: by signature, whatever follows.
    for sig in [
        &b"\x7FELF\x02\x01\x01"[..],
        b"\x1F\x8B\x08\x00",
        b"\xFF\xD8\xFF\xE0",
        b"7z\xBC\xAF\x27\x1C",
        b"SQLite format 3\x00",
    ] {
        let mut bytes = sig.to_vec();
        bytes.extend_from_slice(MARK.as_bytes());
        assert!(decode(bytes, false).is_none(), "{sig:?}");
    }
    // Without a known signature: dense control bytes (an executable's tables, random
    // data) are binary.
    let mut exe = Vec::new();
    for i in 0..4096u32 {
        exe.extend_from_slice(&i.to_le_bytes());
    }
    assert!(decode(exe, false).is_none());
    let mut x = 0x2545F491u32;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    assert!(decode(random, false).is_none());
}

/// Bytes that are not UTF-8, in the shapes they come in.
const BAD_BYTES: &[&[u8]] = &[
    b"\xE9",         // Latin-1 é
    b"\x80",         // a stray continuation byte
    b"\xFF",         // never in UTF-8
    b"\xC0",         // an overlong lead
    b"\xE6\x9C",     // a character cut short
    b"\xF0\x9F\x98", // a four-byte character cut short
];

/// Every position of a bad byte around and inside a mark: the mark is read whole, or
/// the gap is reported on its line. Never the whole file read as another encoding.
#[test]
fn one_bad_byte_anywhere_in_utf8() {
    let before = "关于加强保密工作的通知\n";
    let after = "\n各单位：请认真贯彻执行。\n2026年3月5日\n";
    for bad in BAD_BYTES {
        // Every character boundary of the mark line, and the lines around it.
        let mark_at = before.len();
        let line = format!("{MARK} 正文");
        let mut cuts: Vec<usize> = vec![0, 3, mark_at + line.len() + 4];
        cuts.extend(line.char_indices().map(|(i, _)| mark_at + i));
        cuts.push(mark_at + line.len());
        let text = format!("{before}{line}{after}");
        for at in cuts {
            let mut bytes = text.as_bytes().to_vec();
            bytes.splice(at..at, bad.iter().copied());
            let d = decode(bytes, false).unwrap();
            assert_eq!(d.encoding, "UTF-8", "{bad:?} at {at}");
            assert!(!d.exact);
            let inside = at > mark_at && at < mark_at + MARK.len();
            if inside {
                assert_eq!(lines_of(&d.gaps), [2], "{bad:?} at {at}: {:?}", d.text);
            } else {
                assert!(d.text.contains(MARK), "{bad:?} at {at}: {:?}", d.text);
            }
            // Every other line is read as written; the bad byte's own line only lost
            // the byte.
            let bad_line = text[..at].matches('\n').count();
            for (i, (got, want)) in d.text.lines().zip(text.lines()).enumerate() {
                if i == bad_line {
                    assert_eq!(got.replace('\u{FFFD}', ""), want, "{bad:?} at {at}");
                } else {
                    assert_eq!(got, want, "{bad:?} at {at}");
                }
            }
        }
    }
}

#[test]
fn a_latin1_letter_or_a_cut_last_character_is_no_gap() {
    let d = decode(
        b"\xE6\x9C\xBA\xE5\xAF\x86\xE2\x98\x85\x31\x30\xE5\xB9\xB4\nun caf\xE9 cr\xE8me\n".to_vec(),
        false,
    )
    .unwrap();
    assert_eq!(d.text, format!("{MARK}\nun caf\u{FFFD} cr\u{FFFD}me\n"));
    assert!(d.gaps.is_empty(), "{:?}", d.gaps);
    // A file cut inside its last character: replaced, no gap.
    for cut in [1, 2] {
        let mut bytes = format!("{MARK}\n正文内容").into_bytes();
        bytes.truncate(bytes.len() - cut);
        let d = decode(bytes.clone(), false).unwrap();
        assert!(d.text.starts_with(MARK));
        assert!(d.text.ends_with("正文内\u{FFFD}"), "{:?}", d.text);
        assert!(d.gaps.is_empty());
        // The same cut followed by a line break is still only the last character.
        bytes.extend_from_slice(b"\n");
        assert!(decode(bytes, false).unwrap().gaps.is_empty());
    }
}

#[test]
fn runs_of_bad_bytes_are_gaps_at_their_line() {
    let mut bytes = format!("{MARK}\n正文\n").into_bytes();
    bytes.extend_from_slice(b"\xFF\xFE\xFD\xFC text\n");
    bytes.extend_from_slice("结尾\n".as_bytes());
    let d = decode(bytes, false).unwrap();
    assert!(d.text.starts_with(MARK));
    assert_eq!(lines_of(&d.gaps), [3]);
    let detail = d.gaps[0].error.phrase();
    assert_eq!(detail.0, "partly-undecodable");
    assert_eq!(detail.1, "4 characters not decodable as UTF-8");
}

#[test]
fn mixed_utf8_and_gbk_lines() {
    // A GBK line pasted into UTF-8 minutes: that line is GB18030, the rest UTF-8.
    let mut bytes = "会议纪要\n出席：张三、李四\n".as_bytes().to_vec();
    bytes.extend(gbk("秘密★5年 关于保密工作的意见\n"));
    bytes.extend_from_slice(format!("{MARK}\n散会。\n").as_bytes());
    let d = decode(bytes, false).unwrap();
    assert_eq!(
        d.text,
        format!("会议纪要\n出席：张三、李四\n秘密★5年 关于保密工作的意见\n{MARK}\n散会。\n")
    );
    assert_eq!(d.encoding, "UTF-8");
    assert!(d.gaps.is_empty());
    assert!(!d.exact, "two encodings cannot be written back as one");
    // Mostly GBK with UTF-8 lines: the legacy encoding, UTF-8 lines read as UTF-8.
    let mut bytes = gbk("关于加强涉密载体管理工作的通知，各单位认真贯彻执行。\n").repeat(5);
    bytes.extend_from_slice(format!("{MARK}\n").as_bytes());
    bytes.extend(gbk("秘密★5年\n"));
    let d = decode(bytes, false).unwrap();
    assert_eq!(d.encoding, "GBK");
    assert!(
        d.text.contains(&format!("\n{MARK}\n秘密★5年\n")),
        "{:?}",
        d.text
    );
    assert!(d.gaps.is_empty());
}

#[test]
fn gbk_with_a_bad_sequence() {
    let mut bytes = gbk(&format!("{MARK}\n关于加强保密工作的通知\n"));
    bytes.extend_from_slice(b"\xFF\xFF\xFF\n");
    bytes.extend(gbk("各单位认真贯彻执行。\n"));
    let d = decode(bytes, false).unwrap();
    assert_eq!(d.encoding, "GBK");
    assert!(d.text.starts_with(MARK));
    assert!(d.text.ends_with("各单位认真贯彻执行。\n"));
    assert_eq!(lines_of(&d.gaps), [3]);
    assert!(!d.exact);
}

#[test]
fn utf16_with_lone_surrogates_is_text_with_a_gap() {
    for be in [false, true] {
        for bom in [false, true] {
            let mut units: Vec<u16> = format!("{MARK}\n正文 text\n").encode_utf16().collect();
            // A lone high surrogate in the second line.
            units.insert(MARK.chars().count() + 2, 0xD800);
            let mut bytes: Vec<u8> = if bom { vec![0xFF, 0xFE] } else { vec![] };
            if be && bom {
                bytes = vec![0xFE, 0xFF];
            }
            bytes.extend(units.iter().flat_map(
                |u| {
                    if be { u.to_be_bytes() } else { u.to_le_bytes() }
                },
            ));
            let d = decode(bytes, false).unwrap_or_else(|| panic!("be {be} bom {bom}"));
            assert!(d.text.starts_with(MARK), "be {be} bom {bom}: {:?}", d.text);
            assert_eq!(lines_of(&d.gaps), [2], "be {be} bom {bom}");
            assert!(!d.exact);
        }
    }
}

#[test]
fn truncated_utf16_keeps_its_text() {
    for be in [false, true] {
        let mut bytes = utf16(&format!("{MARK}\n正文 text\n"), be);
        bytes.push(0x41);
        let d = decode(bytes, false).unwrap();
        assert!(d.text.starts_with(MARK), "{be} {:?}", d.text);
        assert!(d.gaps.is_empty(), "an odd last byte is a file cut short");
        // Cut inside a surrogate pair at the end: the last character only.
        let mut bytes = utf16(&format!("{MARK}\n𠮷"), be);
        bytes.truncate(bytes.len() - 2);
        let d = decode(bytes, false).unwrap();
        assert!(d.text.starts_with(MARK), "{be} {:?}", d.text);
        assert!(d.gaps.is_empty());
    }
}

#[test]
fn nul_and_control_bytes_in_text_are_read() {
    // One NUL, a few controls: text, with a gap where they are.
    for noise in [&b"\x00"[..], b"\x00\x00\x00", b"\x01\x02", b"\x7F\x1A"] {
        let mut bytes = format!("{MARK}\n正文\n").into_bytes();
        bytes.extend_from_slice(noise);
        bytes.extend_from_slice("结尾内容\n".as_bytes());
        let d = decode(bytes, false).unwrap_or_else(|| panic!("{noise:?}: binary"));
        assert!(d.text.starts_with(MARK));
        assert_eq!(lines_of(&d.gaps), [3], "{noise:?}");
        assert!(d.exact, "control characters are text: they round-trip");
    }
    // Text padded with zeros (an editor that crashed): still text.
    let mut bytes = format!("{MARK}\n正文\n").into_bytes();
    bytes.extend(std::iter::repeat_n(0u8, 8192));
    let d = decode(bytes, false).unwrap();
    assert!(d.text.starts_with(MARK));
    assert_eq!(lines_of(&d.gaps), [3]);
    // GBK text with a NUL.
    let mut bytes = gbk(&format!("{MARK}\n正文\n"));
    bytes.push(0);
    bytes.extend(gbk("各单位认真贯彻执行。\n"));
    let d = decode(bytes, false).unwrap();
    assert!(d.text.starts_with(MARK));
    // Tab, form feed, ESC colours: text, no gap.
    let d = decode(b"a\tb\x0cc\x1b[1mbold\x1b[0m\n".to_vec(), false).unwrap();
    assert!(d.gaps.is_empty());
    // English with a stray NUL is not UTF-16 (two ASCII letters make a CJK unit).
    let d = decode(
        b"hello world, this is text\n\x00more text here\n".to_vec(),
        false,
    )
    .unwrap();
    assert_eq!(d.encoding, "UTF-8");
    assert!(d.text.starts_with("hello world"));
    // Mostly junk is binary, however short.
    assert!(decode(b"\x00\x01\x02\xff\xfe\x00garbage\x00".to_vec(), false).is_none());
}

#[test]
fn gaps_are_bounded_and_merged() {
    // Consecutive lines make one gap; far apart, one each; never more than MAX_GAPS.
    let d = decode(
        "正文\n\u{FFFD}\u{FFFD}\n\u{FFFD}\u{FFFD}\nb\n\u{FFFD}\u{FFFD}\n".into(),
        false,
    )
    .unwrap();
    assert_eq!(lines_of(&d.gaps), [2, 5]);
    assert_eq!(
        d.gaps[0].error.phrase().1,
        "4 characters not decodable as UTF-8, lines 2–3"
    );
    let mut bytes = format!("{MARK}\n").into_bytes();
    for _ in 0..100 {
        bytes.extend_from_slice("正文\n\u{FFFD}\u{FFFD}\n".as_bytes());
    }
    let d = decode(bytes, false).unwrap();
    assert_eq!(d.gaps.len(), MAX_GAPS);
    assert!(
        d.gaps[MAX_GAPS - 1]
            .error
            .phrase()
            .1
            .ends_with("lines 33–201")
    );
}

#[test]
fn line_numbers_of_gaps_count_every_break() {
    for br in ["\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"] {
        let text = format!("a{br}b{br}c\u{FFFD}\u{FFFD}{br}d{br}");
        let d = decode(text.into_bytes(), false).unwrap();
        assert_eq!(lines_of(&d.gaps), [3], "{br:?}");
    }
}

#[test]
fn lines_split_on_every_break() {
    let s = "a\nb\r\nc\rd\u{85}e\u{2028}f\u{2029}g\r\r\nh";
    let got: Vec<(&str, &str)> = split_lines(s).collect();
    assert_eq!(
        got,
        [
            ("a", "\n"),
            ("b", "\r\n"),
            ("c", "\r"),
            ("d", "\u{85}"),
            ("e", "\u{2028}"),
            ("f", "\u{2029}"),
            ("g", "\r"),
            ("", "\r\n"),
            ("h", "")
        ]
    );
    assert_eq!(split_lines("").count(), 0);
    assert_eq!(split_lines("x\n").count(), 1);
    // Bytes that start a break only sometimes: a star (E2 98 85), NBSP (C2 A0).
    assert_eq!(split_lines("★\u{a0}“x”").count(), 1);
}

#[test]
fn normalising_breaks_keeps_lines_and_text() {
    let s = "a\nb\r\nc\rd\u{85}e\u{2028}f\u{2029}g\r\r\nh★";
    let n = normalise_breaks(s.to_string());
    assert_eq!(n, "a\nb\r\nc\nd\ne\nf\ng\n\r\nh★");
    // Same lines as the splitter sees.
    let a: Vec<&str> = split_lines(s).map(|(l, _)| l).collect();
    let b: Vec<&str> = n.lines().collect();
    assert_eq!(a, b);
    // Nothing to do: the same string back, no copy.
    let plain = "a\r\nb\n".to_string();
    let ptr = plain.as_ptr();
    let same = normalise_breaks(plain);
    assert_eq!(same.as_ptr(), ptr);
}

/// The one-pass evidence counts what a reading through `utf8_chunks` counts.
#[test]
fn evidence_matches_a_reading_by_chunks() {
    fn by_chunks(bytes: &[u8]) -> (usize, usize, usize) {
        // (two, more, invalid)
        let mut n = [0usize; 3];
        for chunk in bytes.utf8_chunks() {
            n[2] += chunk.invalid().len();
            for c in chunk.valid().chars().filter(|c| !c.is_ascii()) {
                n[usize::from(chinese(c as u32))] += c.len_utf8();
            }
        }
        (n[0], n[1], n[2])
    }
    let mut x = 0x9E3779B9u32;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let pieces: Vec<Vec<u8>> = vec![
        "机密★10年".into(),
        "，。“”".into(),
        "é ü".into(),
        "𠮷".into(),
        gbk("散会。°　○　五、"),
        vec![0xED, 0xA0, 0x80],
        vec![0xF4, 0x90, 0x80, 0x80],
        vec![0xE0, 0x80, 0x80],
        vec![0xC0, 0xAF],
        b"ab, 12".to_vec(),
    ];
    for _ in 0..5000 {
        let mut bytes = Vec::new();
        for _ in 0..next() % 12 {
            match next() % 3 {
                0 => bytes.push(next() as u8),
                _ => bytes.extend_from_slice(&pieces[next() as usize % pieces.len()]),
            }
        }
        let e = utf8_evidence(&bytes);
        assert_eq!((e.two, e.more, e.invalid), by_chunks(&bytes), "{bytes:x?}");
    }
}

#[test]
fn utf32_is_text() {
    let text = format!("{MARK}\n正文 text\n");
    for le in [true, false] {
        let units: Vec<u8> = text
            .chars()
            .flat_map(|c| {
                if le {
                    (c as u32).to_le_bytes()
                } else {
                    (c as u32).to_be_bytes()
                }
            })
            .collect();
        let bom: &[u8] = if le {
            b"\xFF\xFE\x00\x00"
        } else {
            b"\x00\x00\xFE\xFF"
        };
        for bytes in [[bom, &units].concat(), units.clone()] {
            let d = decode(bytes, false).unwrap_or_else(|| panic!("le {le}: binary"));
            assert_eq!(d.text, text, "le {le}");
            assert!(d.gaps.is_empty());
        }
        // A unit that is no character, and a cut last unit.
        let mut bad = units.clone();
        bad.splice(4..4, if le { [0, 0xD8, 0, 0] } else { [0, 0, 0xD8, 0] });
        bad.push(0x41);
        let d = decode(bad, false).unwrap();
        assert!(d.text.contains("正文"));
        assert_eq!(lines_of(&d.gaps), [1]);
    }
    // UTF-16 ASCII is not UTF-32 (every fourth byte is zero there too).
    for text in [
        "plain ASCII text, long enough\n",
        "plain ASCII text, long enough!",
    ] {
        let d = decode(utf16(text, false), false).unwrap();
        assert_eq!(d.encoding, "UTF-16LE");
    }
}

#[test]
fn text_starting_like_a_media_file_is_text() {
    for start in ["GIF89a", "ID3", "fLaC", "wOFF"] {
        let d = decode(format!("{start} 说明\n{MARK}\n").into_bytes(), false).unwrap();
        assert!(d.text.contains(MARK), "{start}");
    }
}

/// The one-pass look agrees with the searches it stands for: the control bytes
/// exactly; the rare characters, ★ and `mark-lint` as a superset (never missed), at
/// every offset in and across blocks, and at the very start and end.
#[test]
fn second_look_finds_what_the_searches_find() {
    let filler = "正文内容，没有标志。“引号”——破折号…\r\n\t阅览-".repeat(9);
    let specials = [
        "",
        "\u{85}",
        "\u{2028}",
        "\u{2029}",
        "\u{FFFD}",
        "\u{1}",
        "\u{7f}",
        "\u{1b}",
        "\u{c}",
        "倩怨忽￥",
        "★",
        "机密★10年",
        "mark-lint",
        "<!-- mark-lint-disable ML001 -->",
        "☆阅-L",
    ];
    let check = |bytes: &[u8], what: &str| {
        let look = second_look(bytes);
        let (breaks, fffd) = rare_chars(bytes);
        assert_eq!(look.control, has_control(bytes), "{what}");
        assert!(look.rare || !(breaks || fffd), "{what}");
        let has = |needle: &str| memchr::memmem::find(bytes, needle.as_bytes()).is_some();
        assert!(look.star || !has("★"), "{what}");
        assert!(look.directive || !has("mark-lint"), "{what}");
        assert_eq!(second_look_portable(bytes), look, "{what}");
        (breaks || fffd, look)
    };
    for special in specials {
        for at in (0..filler.len()).filter(|&i| filler.is_char_boundary(i)) {
            let text = format!("{}{special}{}", &filler[..at], &filler[at..]);
            let (rare, _) = check(text.as_bytes(), &format!("{special:?} at {at}"));
            let expected = matches!(special, "\u{85}" | "\u{2028}" | "\u{2029}" | "\u{FFFD}");
            assert_eq!(rare, expected, "{special:?} at {at}");
        }
        // Alone, and cut at every byte: the first two bytes end no triple.
        for end in 0..=special.len() {
            check(&special.as_bytes()[..end], &format!("{special:?} to {end}"));
        }
    }
    // No false alarm on the filler: the searches are skipped on such text.
    let (_, look) = check(filler.as_bytes(), "filler");
    assert!(!look.star && !look.directive && !look.rare && !look.control);
    assert_eq!(second_look(b""), Look::default());
    let one = Look {
        control: true,
        ..Look::default()
    };
    assert_eq!(second_look(b"\x01"), one);
}

/// What decoding says a text does not hold, it does not hold — after the line breaks
/// are made LF — in every encoding and with every break.
#[test]
fn absent_is_never_wrong_after_line_breaks() {
    let pieces = [
        "★",
        "mark-lint",
        "mark-\r\nlint",
        "-\rl",
        "-\u{2028}l",
        "\u{85}",
        "\r",
        "\r\n",
        "机密",
        "正文",
        "-",
        "l",
        "\u{e2}",
    ];
    for text in random_texts(&pieces, 7, 3000, 9) {
        for bytes in [text.clone().into_bytes(), encode_utf16le_bom(&text)] {
            let Some(decoded) = decode(bytes, false) else {
                continue;
            };
            let (lf, _, _, absent) = decoded.into_lf_text();
            assert!(!absent.star || !lf.contains('★'), "{text:?}");
            assert!(!absent.directive || !lf.contains("mark-lint"), "{text:?}");
        }
    }
}

fn encode_utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// Every byte pair, at offsets inside, across and after the 32-byte vectors, in a run
/// of a filler byte: the vector pass and the byte-by-byte pass agree, and each says
/// exactly what the definitions say (a control byte; each of the five pairs).
#[test]
fn second_look_agrees_with_itself_on_every_pair() {
    for filler in [b'a', 0xe4] {
        for y in 0..=255u8 {
            for z in 0..=255u8 {
                for at in [0usize, 31, 32, 70] {
                    let mut bytes = vec![filler; 72];
                    bytes[at] = y;
                    bytes[at + 1] = z;
                    let look = second_look(&bytes);
                    assert_eq!(
                        look,
                        second_look_portable(&bytes),
                        "{y:02x} {z:02x} at {at}"
                    );
                    let want = Look {
                        control: is_control(y) || is_control(z),
                        rare: rare_tail(y, z),
                        star: (y, z) == (0xe2, 0x98),
                        directive: (y, z) == (b'-', b'l'),
                    };
                    // The filler makes no pair with the two bytes that counts.
                    let around = Look {
                        rare: rare_tail(filler, y) || rare_tail(z, filler),
                        star: (filler, y) == (0xe2, 0x98) || (z, filler) == (0xe2, 0x98),
                        ..Look::default()
                    };
                    assert_eq!(look, want.or(around), "{y:02x} {z:02x} at {at}");
                }
            }
        }
    }
}

/// The break search by `memchr` finds what a byte-by-byte search for the breaks'
/// first bytes finds, with quotes, dashes and look-alikes of every break around.
#[test]
fn next_break_agrees_with_the_plain_search() {
    fn plain(s: &[u8], from: usize) -> Option<(usize, usize)> {
        let mut at = from;
        while let Some(i) = s[at..]
            .iter()
            .position(|b| matches!(b, b'\n' | b'\r' | 0xC2 | 0xE2))
        {
            let len = break_at(s, at + i);
            if len > 0 {
                return Some((at + i, len));
            }
            at += i + 1;
        }
        None
    }
    let pieces = [
        "“", "”", "—", "…", "\u{2028}", "\u{2029}", "\u{85}", "\u{a0}", "\r\n", "\r", "\n", "正文",
        "a", "\u{2027}", "\u{202a}",
    ];
    for text in random_texts(&pieces, 11, 4000, 12) {
        let bytes = text.as_bytes();
        for from in (0..=bytes.len()).filter(|&i| text.is_char_boundary(i)) {
            assert_eq!(
                next_break(bytes, from),
                plain(bytes, from),
                "{text:?} from {from}"
            );
        }
    }
}

/// `count` texts of up to `longest - 1` of `pieces`, chosen by a fixed generator
/// (the same texts every run).
fn random_texts<'a>(
    pieces: &'a [&'a str],
    mut seed: u64,
    count: usize,
    longest: u64,
) -> impl Iterator<Item = String> + 'a {
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed
    };
    (0..count).map(move |_| {
        let n = next() % longest;
        (0..n)
            .map(|_| pieces[(next() >> 33) as usize % pieces.len()])
            .collect()
    })
}
