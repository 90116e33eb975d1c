//! The HTML report: one self-contained page (inline style and one inline script, no
//! network, no external fonts) with counts, an expiry timeline in inline SVG, the
//! decisions the annual review must take and a sortable, filterable table.
//! Every piece of user data (paths, marks, 知悉范围) goes through `esc`; nothing here
//! reads the clock or the host, so the same ledger always gives the same bytes.

use std::fmt::{self, Write as _};
use std::io::Write;

use jiff::Span;
use jiff::civil::Date;
use unicode_width::UnicodeWidthChar;

use super::table::{attachment_note, ending, label_note, place};
use super::{Ledger, Row, Status, decisions};
use crate::diagnostic::Lang;
use crate::lang;
use crate::regime::Regime;
use crate::term::days_between;

pub fn emit(
    w: &mut dyn Write,
    ledger: &Ledger,
    today: Date,
    expiring_within_days: i64,
    lang: Lang,
) -> std::io::Result<()> {
    let mut page = String::new();
    render(&mut page, ledger, today, expiring_within_days, lang).map_err(std::io::Error::other)?;
    w.write_all(page.as_bytes())
}

/// Escape text for an element or a quoted attribute.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn render(
    out: &mut String,
    ledger: &Ledger,
    today: Date,
    expiring_within_days: i64,
    lang: Lang,
) -> fmt::Result {
    let title = lang::PAGE_TITLE.pick(lang);
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"{}\">", lang::PAGE_LANG.pick(lang))?;
    writeln!(out, "<head>\n<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    // The page must work offline and must never call out: the browser enforces it.
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
    )?;
    writeln!(
        out,
        "<meta name=\"generator\" content=\"mark-lint {}\">",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out, "<title>{title} {today}</title>")?;
    writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>\n<main>")?;
    header(out, ledger, today, expiring_within_days, lang, title)?;
    counts(out, ledger, expiring_within_days, lang)?;
    timeline(out, ledger, today, expiring_within_days, lang)?;
    decisions_due(out, ledger, today, lang)?;
    table(out, ledger, lang)?;
    writeln!(out, "<footer>")?;
    writeln!(out, "{}", lang::page_footer(today, lang))?;
    writeln!(
        out,
        "</footer>\n</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>"
    )
}

fn header(
    out: &mut String,
    ledger: &Ledger,
    today: Date,
    expiring_within_days: i64,
    lang: Lang,
    title: &str,
) -> fmt::Result {
    writeln!(out, "<header class=\"top\">\n<h1>{title}</h1>")?;
    let (documents, rows) = (ledger.documents, ledger.rows.len());
    let subtitle = lang::page_subtitle(today, documents, rows, expiring_within_days, lang);
    writeln!(out, "{subtitle}")?;
    writeln!(out, "</header>")?;
    if !ledger.unreadable.is_empty() {
        writeln!(
            out,
            "<div class=\"warning\" id=\"unreadable\" role=\"alert\">"
        )?;
        writeln!(
            out,
            "{}",
            lang::page_unreadable(ledger.unreadable.len(), lang)
        )?;
        writeln!(out, "<ul>")?;
        for p in &ledger.unreadable {
            writeln!(out, "<li><code>{}</code></li>", esc(p))?;
        }
        writeln!(out, "</ul>\n</div>")?;
    }
    Ok(())
}

/// The levels to count: the built-in ones (so a zero shows) and any other in the rows,
/// highest first.
fn levels(ledger: &Ledger) -> Vec<(u8, String)> {
    let mut levels: Vec<(u8, String)> = Regime::builtin()
        .levels
        .iter()
        .map(|l| (l.rank, l.name.clone()))
        .collect();
    for r in &ledger.rows {
        if !levels.iter().any(|(_, name)| *name == r.level) {
            levels.push((r.rank, r.level.clone()));
        }
    }
    levels.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    levels
}

fn counts(out: &mut String, ledger: &Ledger, expiring_within_days: i64, lang: Lang) -> fmt::Result {
    writeln!(out, "<section id=\"counts\">")?;
    writeln!(out, "<h2>{}</h2>", lang::BY_LEVEL.pick(lang))?;
    writeln!(out, "<div class=\"cards levels\">")?;
    for (rank, name) in levels(ledger) {
        let n = ledger.rows.iter().filter(|r| r.level == name).count();
        writeln!(
            out,
            "<div class=\"card level rank-{rank}{}\"><span class=\"n\">{n}</span>\
             <span class=\"k\">{}</span></div>",
            if n == 0 { " zero" } else { "" },
            esc(&name)
        )?;
    }
    writeln!(out, "</div>")?;
    writeln!(out, "<h2>{}</h2>", lang::BY_STATUS.pick(lang))?;
    writeln!(out, "<div class=\"cards statuses\">")?;
    for s in Status::ALL {
        let n = ledger.count(s);
        writeln!(
            out,
            "<button type=\"button\" class=\"card status-{key}{zero}\" data-pick=\"{key}\" \
             id=\"count-{key}\" title=\"{hint}\"><span class=\"n\">{n}</span>\
             <span class=\"k\">{label}</span><span class=\"d\">{note}</span></button>",
            key = s.as_str(),
            zero = if n == 0 { " zero" } else { "" },
            hint = lang::SHOW_ONLY_STATUS.pick(lang),
            label = s.label(lang),
            note = esc(&lang::status_note(s, expiring_within_days, lang)),
        )?;
    }
    writeln!(out, "</div>\n</section>")
}

fn columns(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Truncate to `cols` display columns, keeping the start.
fn clip_end(s: &str, cols: usize) -> String {
    if columns(s) <= cols {
        return s.to_string();
    }
    let mut used = 1;
    let mut out = String::new();
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > cols {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Truncate to `cols` display columns, keeping the end (a path's file name).
fn clip_start(s: &str, cols: usize) -> String {
    if columns(s) <= cols {
        return s.to_string();
    }
    let mut used = 1;
    let mut kept: Vec<char> = Vec::new();
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > cols {
            break;
        }
        used += w;
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

// The chart's geometry, in SVG user units (the SVG scales to the page width).
const CHART_W: f64 = 1120.0;
const PLOT_L: f64 = 330.0;
const PLOT_R: f64 = 1100.0;
const AXIS_H: f64 = 50.0;
const LANE_H: f64 = 26.0;
const BAR_H: f64 = 14.0;
const FOOT_H: f64 = 30.0;
/// More calendar years than this and the chart would be unreadable: clip, keep today.
const MAX_YEARS: i16 = 40;
/// How far back before today the chart starts at most, when it must be clipped.
const YEARS_BEFORE_TODAY: i16 = 10;

/// Calendar years → x.
struct Scale {
    from: Date,
    to: Date,
    days: f64,
}

impl Scale {
    fn new(first_year: i16, last_year: i16) -> Scale {
        let from = Date::new(first_year, 1, 1).unwrap_or(Date::MIN);
        let to = Date::new(last_year.saturating_add(1), 1, 1).unwrap_or(Date::MAX);
        Scale {
            from,
            to,
            days: days_between(from, to).max(1) as f64,
        }
    }

    fn x(&self, d: Date) -> f64 {
        let n = days_between(self.from, d) as f64;
        (PLOT_L + n / self.days * (PLOT_R - PLOT_L)).clamp(PLOT_L, PLOT_R)
    }
}

/// The calendar years the chart spans: a year either side of today, every start and
/// last day, at most `MAX_YEARS`.
fn year_span(ledger: &Ledger, today: Date, window_end: Date) -> (i16, i16) {
    let starts = ledger
        .rows
        .iter()
        .filter_map(|r| r.last_day.map(|l| r.start.unwrap_or(today).min(l).year()));
    let ends = ledger
        .rows
        .iter()
        .filter_map(|r| r.last_day.map(|d| d.year()));
    let first = starts.fold(today.year().saturating_sub(1), i16::min);
    let last = ends.fold(
        today.year().saturating_add(1).max(window_end.year()),
        i16::max,
    );
    if last - first < MAX_YEARS {
        return (first, last);
    }
    let first = first.max(today.year().saturating_sub(YEARS_BEFORE_TODAY));
    (first, last.min(first.saturating_add(MAX_YEARS - 1)))
}

/// The expiry timeline: the statuses' legend, then a chart of the years, the expiring
/// window, a lane per mark and today's line.
fn timeline(
    out: &mut String,
    ledger: &Ledger,
    today: Date,
    expiring_within_days: i64,
    lang: Lang,
) -> fmt::Result {
    let window_end = Span::new()
        .try_days(expiring_within_days)
        .ok()
        .and_then(|s| today.checked_add(s).ok())
        .unwrap_or(today);
    let (first_year, last_year) = year_span(ledger, today, window_end);
    // Dated rows by last day, then the open-ended ones in ledger order.
    let mut lanes: Vec<&Row> = ledger.rows.iter().collect();
    lanes.sort_by_key(|r| (r.last_day.is_none(), r.last_day));
    let lanes_h = LANE_H * lanes.len().max(1) as f64;
    let frame = Frame {
        first_year,
        last_year,
        scale: Scale::new(first_year, last_year),
        lanes_h,
        height: AXIS_H + lanes_h + FOOT_H,
        bottom: AXIS_H + lanes_h,
    };
    timeline_legend(out, lang)?;
    chart_start(out, &frame, lang)?;
    year_axis(out, &frame)?;
    expiring_window(out, &frame, today, window_end, expiring_within_days, lang)?;
    mark_lanes(out, &frame, ledger, &lanes, today, lang)?;
    // Today goes on top of the bars.
    today_line(out, &frame, today, lang)?;
    writeln!(out, "</svg>\n</div>\n</section>")
}

/// Where the timeline's pieces go: the years it spans, where a date falls, and the
/// heights of the lanes, of the whole chart and of the lanes' bottom edge.
struct Frame {
    first_year: i16,
    last_year: i16,
    scale: Scale,
    lanes_h: f64,
    height: f64,
    bottom: f64,
}

/// The section's heading and the legend of the statuses' colours.
fn timeline_legend(out: &mut String, lang: Lang) -> fmt::Result {
    writeln!(out, "<section id=\"timeline-section\">")?;
    writeln!(out, "<h2>{}</h2>", lang::TIMELINE.pick(lang))?;
    writeln!(out, "<div class=\"legend\">")?;
    for s in Status::ALL {
        writeln!(
            out,
            "<span class=\"status-{}\">{}</span>",
            s.as_str(),
            s.label(lang)
        )?;
    }
    writeln!(out, "</div>\n<div class=\"panel chart\">")
}

/// The chart's `<svg>` element, with the years it spans and its accessible title.
fn chart_start(out: &mut String, frame: &Frame, lang: Lang) -> fmt::Result {
    let Frame {
        first_year,
        last_year,
        height,
        ..
    } = frame;
    writeln!(
        out,
        "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {CHART_W} {height:.0}\" \
         width=\"{CHART_W}\" height=\"{height:.0}\" role=\"img\" aria-labelledby=\"timeline-title\" \
         data-first-year=\"{first_year}\" data-last-year=\"{last_year}\">"
    )?;
    writeln!(
        out,
        "<title id=\"timeline-title\">{}</title>",
        lang::TIMELINE_TITLE.pick(lang)
    )
}

/// The years: a grid line at each 1 January, labels thinned out on long spans.
fn year_axis(out: &mut String, frame: &Frame) -> fmt::Result {
    let Frame {
        first_year,
        last_year,
        scale,
        bottom,
        ..
    } = frame;
    let years = i32::from(*last_year) - i32::from(*first_year) + 1;
    let step = match years {
        ..=16 => 1,
        17..=32 => 2,
        _ => 5,
    };
    writeln!(out, "<g class=\"axis\">")?;
    for y in *first_year..=*last_year {
        let x0 = scale.x(Date::new(y, 1, 1).unwrap_or(scale.from));
        let x1 = scale.x(Date::new(y.saturating_add(1), 1, 1).unwrap_or(scale.to));
        writeln!(
            out,
            "<line class=\"grid\" x1=\"{x0:.1}\" x2=\"{x0:.1}\" y1=\"{:.1}\" y2=\"{bottom:.1}\"/>",
            AXIS_H - 26.0
        )?;
        if i32::from(y) % step == 0 {
            writeln!(
                out,
                "<text class=\"year\" x=\"{:.1}\" y=\"16\">{y}</text>",
                (x0 + x1) / 2.0
            )?;
        }
    }
    writeln!(
        out,
        "<line class=\"grid\" x1=\"{PLOT_R:.1}\" x2=\"{PLOT_R:.1}\" y1=\"{:.1}\" y2=\"{bottom:.1}\"/>",
        AXIS_H - 26.0
    )?;
    writeln!(out, "</g>")
}

/// The band from today to the end of the expiring window, behind the lanes, and its
/// label under them.
fn expiring_window(
    out: &mut String,
    frame: &Frame,
    today: Date,
    window_end: Date,
    expiring_within_days: i64,
    lang: Lang,
) -> fmt::Result {
    let Frame {
        scale,
        lanes_h,
        bottom,
        ..
    } = frame;
    let (wx0, wx1) = (scale.x(today), scale.x(window_end));
    writeln!(
        out,
        "<rect id=\"expiring-window\" x=\"{wx0:.1}\" y=\"{AXIS_H:.1}\" width=\"{:.1}\" height=\"{lanes_h:.1}\">\
         <title>{}</title></rect>",
        (wx1 - wx0).max(1.0),
        lang::window_title(today, window_end, expiring_within_days, lang)
    )?;
    writeln!(
        out,
        "<text class=\"window-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        wx0 + 4.0,
        bottom + 18.0,
        lang::window_label(expiring_within_days, lang)
    )
}

/// A lane per mark in `lanes` (or a note that nothing is marked), under the folder
/// the ledger's files share.
fn mark_lanes(
    out: &mut String,
    frame: &Frame,
    ledger: &Ledger,
    lanes: &[&Row],
    today: Date,
    lang: Lang,
) -> fmt::Result {
    if lanes.is_empty() {
        writeln!(
            out,
            "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            PLOT_L,
            AXIS_H + LANE_H / 2.0 + 4.0,
            lang::NOTHING_MARKED_SHORT.pick(lang)
        )?;
    }
    // The lanes name files relative to the folder they all share, shown once on top.
    let folder = common_folder(&ledger.rows);
    if !folder.is_empty() {
        writeln!(
            out,
            "<text class=\"lane-folder\" x=\"8\" y=\"{:.1}\">{}</text>",
            AXIS_H - 16.0,
            esc(&clip_start(folder, 40))
        )?;
    }
    for (i, r) in lanes.iter().enumerate() {
        let top = AXIS_H + LANE_H * i as f64;
        lane(out, r, folder, today, &frame.scale, top, lang)?;
    }
    Ok(())
}

/// Today's line across the lanes, labelled with the date.
fn today_line(out: &mut String, frame: &Frame, today: Date, lang: Lang) -> fmt::Result {
    let Frame { scale, bottom, .. } = frame;
    let tx = scale.x(today);
    writeln!(
        out,
        "<line id=\"today-line\" x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"{:.1}\" y2=\"{bottom:.1}\"/>",
        AXIS_H - 12.0
    )?;
    writeln!(
        out,
        "<text id=\"today-label\" x=\"{tx:.1}\" y=\"{:.1}\">{} {today}</text>",
        AXIS_H - 16.0,
        lang::TODAY.pick(lang)
    )
}

/// The folder every row's path starts with (with its separator), or "".
fn common_folder(rows: &[Row]) -> &str {
    let Some(first) = rows.first() else {
        return "";
    };
    let shared = rows
        .iter()
        .map(|r| {
            first
                .path
                .char_indices()
                .zip(r.path.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8())
        })
        .min()
        .unwrap_or(0);
    match first.path[..shared].rfind(['/', '\\']) {
        Some(i) => &first.path[..=i],
        None => "",
    }
}

fn lane(
    out: &mut String,
    r: &Row,
    folder: &str,
    today: Date,
    scale: &Scale,
    top: f64,
    lang: Lang,
) -> fmt::Result {
    let mid = top + LANE_H / 2.0;
    let status = r.status.as_str();
    writeln!(out, "<g class=\"lane\">")?;
    writeln!(
        out,
        "<text class=\"lane-path\" x=\"8\" y=\"{:.1}\">{}</text>",
        mid + 4.0,
        esc(&clip_start(
            &format!(
                "{}{}",
                r.path.strip_prefix(folder).unwrap_or(&r.path),
                attachment_note(r, lang)
            ),
            32
        ))
    )?;
    writeln!(
        out,
        "<text class=\"lane-mark\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        PLOT_L - 8.0,
        mid + 4.0,
        esc(&clip_end(&r.raw, 16))
    )?;
    let tooltip = format!("{}\n{}\n{}", place(r, lang), r.raw, ending(r, lang));
    match r.last_day {
        Some(last) => {
            let start = r.start.unwrap_or(today).min(last);
            let x0 = scale.x(start);
            let x1 = scale.x(last);
            let width = (x1 - x0).max(3.0);
            let mut class = format!("bar status-{status}");
            if r.start.is_none() {
                // A 解密时间 has no start: the bar begins at today.
                class.push_str(" from-today");
            }
            if start < scale.from {
                class.push_str(" clipped-start");
            }
            if last >= scale.to {
                class.push_str(" clipped-end");
            }
            writeln!(
                out,
                "<rect class=\"{class}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{BAR_H:.1}\" rx=\"3\" \
                 data-last-day=\"{last}\"><title>{}</title></rect>",
                mid - BAR_H / 2.0,
                esc(&tooltip)
            )?;
            if last >= scale.to {
                writeln!(
                    out,
                    "<path class=\"more status-{status}\" d=\"M{:.1} {:.1}l8 {:.1}l-8 {:.1}z\"/>",
                    PLOT_R + 2.0,
                    mid - BAR_H / 2.0,
                    BAR_H / 2.0,
                    BAR_H / 2.0
                )?;
            }
            // The last day after the bar; inside its end when the chart ends first.
            let (x, anchor, inside) = if x0 + width + 80.0 <= PLOT_R {
                (x0 + width + 5.0, "start", "")
            } else if width >= 80.0 {
                (x0 + width - 6.0, "end", " inside")
            } else {
                (x0 - 5.0, "end", "")
            };
            writeln!(
                out,
                "<text class=\"end-label{inside}\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{last}</text>",
                mid + 4.0
            )?;
        }
        None => {
            // No end to draw: a dot at today and a dashed line running off the chart.
            let x0 = scale.x(today);
            let label = match r.status {
                Status::Conditional => format!(
                    "{}：{}",
                    r.status.label(lang),
                    r.term.trim_start_matches("解密条件：")
                ),
                s => s.label(lang).to_string(),
            };
            writeln!(
                out,
                "<g class=\"marker status-{status}\"><title>{}</title>\
                 <line x1=\"{x0:.1}\" x2=\"{:.1}\" y1=\"{mid:.1}\" y2=\"{mid:.1}\"/>\
                 <circle cx=\"{x0:.1}\" cy=\"{mid:.1}\" r=\"5\"/>\
                 <path d=\"M{:.1} {:.1}l8 5l-8 5z\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
                esc(&tooltip),
                PLOT_R - 8.0,
                PLOT_R - 8.0,
                mid - 5.0,
                if x0 + 200.0 <= PLOT_R {
                    x0 + 10.0
                } else {
                    PLOT_L + 4.0
                },
                mid - 4.0,
                esc(&clip_end(&label, 36))
            )?;
        }
    }
    writeln!(out, "</g>")
}

fn decisions_due(out: &mut String, ledger: &Ledger, today: Date, lang: Lang) -> fmt::Result {
    writeln!(out, "<section id=\"decisions\">")?;
    let heading = lang::page_review_heading(today.year(), lang);
    writeln!(out, "<h2>{heading}</h2>")?;
    let groups = decisions(ledger, today);
    if groups.is_empty() {
        writeln!(
            out,
            "<p class=\"none\">{}</p>",
            lang::NOTHING_TO_DECIDE.pick(lang)
        )?;
    }
    for (decision, rows) in groups {
        writeln!(
            out,
            "<div class=\"panel decision decision-{}\">\n<h3>{} <span class=\"count\">{}</span></h3>\n<ul>",
            decision.key(),
            esc(decision.title(lang)),
            rows.len()
        )?;
        for r in rows {
            // Without a last day the ending would only repeat the status.
            let when = match r.last_day {
                Some(_) => format!(" <span class=\"when\">{}</span>", esc(&ending(r, lang))),
                None => String::new(),
            };
            writeln!(
                out,
                "<li><span class=\"pill status-{}\">{}</span> <code>{}</code> \
                 <strong>{}</strong>{}{}{when}</li>",
                r.status.as_str(),
                r.status.label(lang),
                esc(&place(r, lang)),
                esc(&r.raw),
                attachment_note(r, lang),
                esc(&label_note(r, lang)),
            )?;
        }
        writeln!(out, "</ul>\n</div>")?;
    }
    writeln!(out, "</section>")
}

/// The table's columns: key (for `#sort=`) and how to compare; their headings are
/// `lang::PAGE_COLUMNS`, in the same order.
const COLUMNS: [(&str, &str); 9] = [
    ("status", "number"),
    ("level", "number"),
    ("mark", "text"),
    ("start", "date"),
    ("last_day", "date"),
    ("days_left", "number"),
    ("copy_number", "text"),
    ("distribution", "text"),
    ("path", "text"),
];

fn table(out: &mut String, ledger: &Ledger, lang: Lang) -> fmt::Result {
    let total = ledger.rows.len();
    writeln!(out, "<section id=\"table-section\">")?;
    writeln!(out, "<h2>{}</h2>", lang::THE_LEDGER.pick(lang))?;
    writeln!(out, "<div class=\"controls\">")?;
    writeln!(
        out,
        "<label>{} <input type=\"search\" id=\"filter\" placeholder=\"{}\" autocomplete=\"off\"></label>",
        lang::FILTER.pick(lang),
        lang::FILTER_HINT.pick(lang)
    )?;
    writeln!(
        out,
        "<label>{} <select id=\"status-filter\">\n<option value=\"\">{}</option>",
        lang::STATUS.pick(lang),
        lang::ALL.pick(lang)
    )?;
    for s in Status::ALL {
        writeln!(
            out,
            "<option value=\"{}\">{}</option>",
            s.as_str(),
            s.label(lang)
        )?;
    }
    writeln!(out, "</select></label>")?;
    let template = lang::SHOWING.pick(lang);
    writeln!(
        out,
        "<span id=\"shown-count\" data-template=\"{template}\">{}</span>",
        template
            .replace("{n}", &total.to_string())
            .replace("{total}", &total.to_string())
    )?;
    writeln!(
        out,
        "</div>\n<div class=\"table-wrap\">\n<table id=\"ledger\">\n<thead><tr>"
    )?;
    for ((key, kind), heading) in COLUMNS.into_iter().zip(lang::PAGE_COLUMNS) {
        writeln!(
            out,
            "<th data-key=\"{key}\" data-type=\"{kind}\" aria-sort=\"none\"><button type=\"button\">{}</button></th>",
            heading.pick(lang)
        )?;
    }
    writeln!(out, "</tr></thead>\n<tbody>")?;
    for (i, r) in ledger.rows.iter().enumerate() {
        table_row(out, i, r, lang)?;
    }
    writeln!(out, "</tbody>\n</table>\n</div>")?;
    if ledger.rows.is_empty() {
        let none = lang::nothing_marked(ledger.documents, lang);
        writeln!(out, "<p class=\"none\">{none}</p>")?;
    }
    writeln!(out, "</section>")
}

fn table_row(out: &mut String, index: usize, r: &Row, lang: Lang) -> fmt::Result {
    let status = r.status.as_str();
    let order = Status::ALL.iter().position(|s| *s == r.status).unwrap_or(0);
    let dash = "—";
    let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
    writeln!(
        out,
        "<tr class=\"status-{status}\" data-status=\"{status}\" data-index=\"{index}\">"
    )?;
    writeln!(
        out,
        "<td data-sort=\"{order}\"><span class=\"pill status-{status}\">{}</span></td>",
        r.status.label(lang)
    )?;
    writeln!(out, "<td data-sort=\"{}\">{}</td>", r.rank, esc(&r.level))?;
    let note = if r.attachment {
        format!(
            " <span class=\"tag\">{}</span>",
            lang::ATTACHMENT.pick(lang)
        )
    } else {
        String::new()
    };
    let mut note = match &r.label {
        Some(l) => format!(
            "{note} <span class=\"tag label\">{}</span>",
            esc(&lang::label_note(&l.name, &l.level, lang))
        ),
        None => note,
    };
    if let Some(c) = r.ocr {
        note.push_str(&format!(
            " <span class=\"tag ocr\" title=\"{}\">{} {c}%</span>",
            esc(lang::ocr_note(c, lang).trim()),
            lang::OCR.pick(lang)
        ));
    }
    writeln!(
        out,
        "<td data-sort=\"{}\" class=\"mark\">{}{note}</td>",
        esc(&r.raw),
        esc(&r.raw)
    )?;
    match (r.start, r.start_source) {
        (Some(d), Some(s)) => writeln!(
            out,
            "<td data-sort=\"{d}\" class=\"date\">{d}<br><small>{}</small></td>",
            lang::date_source(s, lang)
        )?,
        _ => writeln!(out, "<td data-sort=\"\" class=\"date\">{dash}</td>")?,
    }
    let last = date(r.last_day);
    writeln!(
        out,
        "<td data-sort=\"{last}\" class=\"date\">{}</td>",
        if last.is_empty() { dash } else { &last }
    )?;
    match r.days_left {
        Some(n) => writeln!(
            out,
            "<td data-sort=\"{n}\" class=\"num{}\">{n}</td>",
            if n < 0 { " past" } else { "" }
        )?,
        None => writeln!(out, "<td data-sort=\"\" class=\"num\">{dash}</td>")?,
    }
    for value in [&r.copy_number, &r.distribution] {
        let v = value.as_deref().unwrap_or("");
        writeln!(
            out,
            "<td data-sort=\"{}\">{}</td>",
            esc(v),
            if v.is_empty() {
                dash.to_string()
            } else {
                esc(v)
            }
        )?;
    }
    writeln!(
        out,
        "<td data-sort=\"{}:{:010}\" class=\"where\"><code>{}</code></td>",
        esc(&r.path),
        r.line,
        // Long paths break after a separator, not inside a name.
        esc(&place(r, lang)).replace('/', "/<wbr>")
    )?;
    writeln!(out, "</tr>")
}

const CSS: &str = r#":root {
  --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #f4f6f9; --card: #fff;
  --accent: #9b1c1c;
  --sans: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono CJK SC", monospace;
}
.status-expired { --c: #c62828; }
.status-expiring { --c: #d97706; }
.status-undated { --c: #6b7785; }
.status-indefinite { --c: #1f5fae; }
.status-conditional { --c: #7b3fa0; }
.status-valid { --c: #2e7d32; }
.status-declassified { --c: #a7b1bc; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.55 var(--sans); }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
header.top { border-bottom: 3px solid var(--accent); padding-bottom: 10px; }
h1 { font-size: 24px; margin: 0 0 4px; letter-spacing: .03em; }
h2 { font-size: 17px; margin: 28px 0 10px; }
h3 { font-size: 15px; margin: 0 0 6px; }
.sub { color: var(--muted); margin: 0; }
code { font-family: var(--mono); font-size: 12.5px; }
.warning { background: #fff6e5; border: 1px solid #f0b429; border-left: 6px solid #d97706;
  padding: 10px 14px; border-radius: 6px; margin: 16px 0 0; }
.warning ul { margin: 6px 0 0; padding-left: 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(142px, 1fr)); gap: 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-top: 4px solid var(--c, #52606d);
  border-radius: 8px; padding: 9px 12px; text-align: left; font: inherit; color: inherit; }
button.card { cursor: pointer; }
button.card:hover { box-shadow: 0 2px 8px rgba(31, 41, 51, .12); }
button.card.picked { outline: 2px solid var(--c); outline-offset: 1px; }
.card .n { display: block; font-size: 26px; font-weight: 650; line-height: 1.2; color: var(--c, var(--ink)); }
.card.zero .n { color: #a9b4bf; }
.card .k { display: block; font-weight: 600; }
.card .d { display: block; color: var(--muted); font-size: 12px; line-height: 1.35; }
.card.rank-3 { --c: #7f1d1d; } .card.rank-2 { --c: #b45309; } .card.rank-1 { --c: #1e40af; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 0 0 8px; color: var(--muted); font-size: 13px; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; border-radius: 3px;
  background: var(--c); margin-right: 5px; vertical-align: -1px; }
.chart { overflow-x: auto; }
#timeline { display: block; width: 100%; height: auto; min-width: 760px; }
#timeline text { font: 12px var(--sans); fill: var(--ink); }
#timeline .grid { stroke: #e4e8ee; }
#timeline .year { fill: var(--muted); text-anchor: middle; }
#timeline .lane:hover { fill-opacity: .85; }
#timeline .lane-path { fill: var(--muted); font-family: var(--mono); font-size: 11.5px; }
#timeline .lane-folder { fill: var(--muted); font-family: var(--mono); font-size: 11.5px; font-weight: 600; }
#timeline .lane-mark { font-weight: 600; text-anchor: end; }
#timeline .bar, #timeline .more { fill: var(--c); }
#timeline .bar.from-today { fill-opacity: .7; }
#timeline .end-label { fill: var(--muted); font-size: 11px; }
#timeline .end-label.inside { fill: #fff; font-weight: 600; }
#timeline .marker line { stroke: var(--c); stroke-width: 2; stroke-dasharray: 5 4; }
#timeline .marker circle, #timeline .marker path { fill: var(--c); }
#timeline .marker text { fill: var(--c); font-weight: 600; paint-order: stroke; stroke: #fff;
  stroke-width: 4px; stroke-linejoin: round; }
#expiring-window { fill: #f59e0b; fill-opacity: .16; }
#timeline .window-label { fill: #b45309; font-size: 11px; }
#today-line { stroke: var(--accent); stroke-width: 2; }
#timeline #today-label { fill: var(--accent); font-weight: 700; text-anchor: middle; }
#timeline .empty { fill: var(--muted); }
.decision { margin-bottom: 10px; border-left: 5px solid var(--d, #52606d); }
.decision-declassify { --d: #c62828; } .decision-extend-or-lapse { --d: #d97706; }
.decision-date { --d: #6b7785; } .decision-confirm { --d: #1f5fae; }
.decision ul { margin: 0; padding-left: 0; list-style: none; }
.decision li { padding: 3px 0; }
.decision .when { color: var(--muted); }
.count { display: inline-block; min-width: 22px; padding: 0 7px; border-radius: 11px; background: var(--d);
  color: #fff; font-size: 12px; text-align: center; vertical-align: 1px; }
.none { color: var(--muted); }
.pill { display: inline-block; padding: 0 8px; border-radius: 10px; background: var(--c); color: #fff;
  font-size: 12px; line-height: 20px; white-space: nowrap; }
.pill.status-declassified { color: var(--ink); }
.tag { display: inline-block; padding: 0 5px; border: 1px solid var(--line); border-radius: 4px;
  color: var(--muted); font-size: 11px; }
.controls { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin-bottom: 10px; }
.controls input, .controls select { font: inherit; padding: 4px 8px; border: 1px solid #bcccdc;
  border-radius: 6px; background: #fff; }
.controls input { width: 260px; }
#shown-count { color: var(--muted); }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 6px 9px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #eef2f6; position: sticky; top: 0; white-space: nowrap; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 2px solid var(--accent); }
th[aria-sort="ascending"] button::after { content: " ▲"; font-size: 10px; }
th[aria-sort="descending"] button::after { content: " ▼"; font-size: 10px; }
tbody tr td:first-child { border-left: 4px solid var(--c); }
tbody tr:hover { background: #f8fafc; }
tr.status-declassified td { color: var(--muted); }
td.date, td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.num { text-align: right; }
td.num.past { color: #c62828; }
tr.status-declassified td.num.past { color: inherit; }
td.mark { font-weight: 600; white-space: nowrap; }
td small { color: var(--muted); }
td.where code { overflow-wrap: break-word; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); }
footer p { margin: 6px 0; }
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .controls, th[aria-sort] button::after { display: none; }
  .card, .panel, .decision, tr, #timeline-section { break-inside: avoid; }
  .table-wrap, .chart { overflow: visible; border: 0; }
  thead { display: table-header-group; }
  th { position: static; }
  button.card { box-shadow: none; }
  #timeline { min-width: 0; }
}
"#;

/// Sorting and filtering. `#sort=KEY[:desc]`, `#filter=TEXT` and `#status=STATUS` in the
/// address are applied on load through the same functions the controls call.
const SCRIPT: &str = r#"(function () {
  'use strict';
  var table = document.getElementById('ledger');
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var filter = document.getElementById('filter');
  var statusFilter = document.getElementById('status-filter');
  var shown = document.getElementById('shown-count');
  var cards = Array.prototype.slice.call(document.querySelectorAll('[data-pick]'));
  var collator = new Intl.Collator(document.documentElement.lang, { numeric: true });

  function compare(type, a, b) {
    if (type === 'number') return Number(a) - Number(b);
    if (type === 'date') return a < b ? -1 : a > b ? 1 : 0;
    return collator.compare(a, b);
  }

  // Empty cells (no date, no number) go last in either direction; ties keep ledger order.
  function sortBy(key, desc) {
    var col = -1;
    heads.forEach(function (th, i) { if (th.getAttribute('data-key') === key) col = i; });
    if (col < 0) return;
    var type = heads[col].getAttribute('data-type');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r, s) {
      var a = r.cells[col].getAttribute('data-sort');
      var b = s.cells[col].getAttribute('data-sort');
      var c = (a === '') - (b === '');
      if (c === 0 && a !== '') c = desc ? -compare(type, a, b) : compare(type, a, b);
      return c || Number(r.getAttribute('data-index')) - Number(s.getAttribute('data-index'));
    });
    rows.forEach(function (r) { body.appendChild(r); });
    heads.forEach(function (th, i) {
      th.setAttribute('aria-sort', i === col ? (desc ? 'descending' : 'ascending') : 'none');
    });
  }

  function applyFilter() {
    var text = filter.value.trim().toLowerCase();
    var status = statusFilter.value;
    var n = 0;
    Array.prototype.forEach.call(body.rows, function (r) {
      var keep = (!status || r.getAttribute('data-status') === status) &&
        (!text || r.textContent.toLowerCase().indexOf(text) !== -1);
      r.hidden = !keep;
      if (keep) n += 1;
    });
    cards.forEach(function (card) {
      card.classList.toggle('picked', card.getAttribute('data-pick') === status);
    });
    shown.textContent = shown.getAttribute('data-template')
      .replace('{n}', n).replace('{total}', body.rows.length);
  }

  heads.forEach(function (th) {
    th.querySelector('button').addEventListener('click', function () {
      sortBy(th.getAttribute('data-key'), th.getAttribute('aria-sort') === 'ascending');
    });
  });
  filter.addEventListener('input', applyFilter);
  statusFilter.addEventListener('change', applyFilter);
  cards.forEach(function (card) {
    card.addEventListener('click', function () {
      var pick = card.getAttribute('data-pick');
      statusFilter.value = statusFilter.value === pick ? '' : pick;
      applyFilter();
    });
  });

  function applyHash() {
    location.hash.replace(/^#/, '').split('&').forEach(function (part) {
      var eq = part.indexOf('=');
      if (eq < 0) return;
      var key = part.slice(0, eq);
      var value;
      try {
        value = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
      } catch (e) {
        return;
      }
      if (key === 'sort') {
        var how = value.split(':');
        sortBy(how[0], how[1] === 'desc');
      } else if (key === 'filter') {
        filter.value = value;
        applyFilter();
      } else if (key === 'status') {
        statusFilter.value = value;
        applyFilter();
      }
    });
  }
  applyHash();
  window.addEventListener('hashchange', applyHash);
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::DateSource;

    const TODAY: Date = Date::constant(2026, 11, 27);

    fn row(path: &str, raw: &str, status: Status, last: Option<Date>) -> Row {
        Row {
            path: path.into(),
            part: None,
            line: 2,
            level: "机密".into(),
            rank: 2,
            raw: raw.into(),
            term: "5年".into(),
            attachment: false,
            start: last.map(|_| Date::constant(2024, 3, 5)),
            start_source: last.map(|_| DateSource::IssueDate),
            last_day: last,
            days_left: last.map(|d| days_between(TODAY, d)),
            status,
            copy_number: Some("000001".into()),
            distribution: None,
            ocr: None,
            label: None,
        }
    }

    fn page(ledger: &Ledger, lang: Lang) -> String {
        let mut out = Vec::new();
        emit(&mut out, ledger, TODAY, 90, lang).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn sample() -> Ledger {
        Ledger {
            rows: vec![
                row(
                    "a.md",
                    "机密★5年",
                    Status::Valid,
                    Some(Date::constant(2029, 3, 5)),
                ),
                row("b.md", "绝密★长期", Status::Indefinite, None),
            ],
            documents: 3,
            unreadable: vec![],
        }
    }

    #[test]
    fn escapes_user_data() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let mut ledger = sample();
        ledger.rows[0].path = "<script>alert('x')</script>&.md".into();
        ledger.rows[0].distribution = Some("\"局领导\" & <办公室>".into());
        ledger.unreadable = vec!["bad<1>.docx".into()];
        let html = page(&ledger, Lang::Zh);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;.md"));
        assert!(html.contains("&quot;局领导&quot; &amp; &lt;办公室&gt;"));
        assert!(html.contains("bad&lt;1&gt;.docx"));
        // Exactly one script element: ours.
        assert_eq!(html.matches("<script").count(), 1);
    }

    #[test]
    fn deterministic_and_self_contained() {
        let ledger = sample();
        let a = page(&ledger, Lang::Zh);
        assert_eq!(a, page(&ledger, Lang::Zh));
        assert!(a.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
        assert!(page(&ledger, Lang::En).contains("<html lang=\"en\">"));
        for remote in ["http:", "https:", "src=", "@import", "url("] {
            let hits: Vec<&str> = a.matches(remote).collect();
            // The only URL is the SVG namespace, which is never fetched.
            let allowed = usize::from(remote == "http:");
            assert_eq!(hits.len(), allowed, "{remote}");
        }
        assert!(a.contains(&format!("mark-lint {}", env!("CARGO_PKG_VERSION"))));
    }

    #[test]
    fn every_status_is_counted() {
        let html = page(&sample(), Lang::En);
        for s in Status::ALL {
            assert!(
                html.contains(&format!("id=\"count-{}\"", s.as_str())),
                "{s:?}"
            );
            assert!(
                html.contains(&format!("<option value=\"{}\">", s.as_str())),
                "{s:?}"
            );
        }
        assert!(html.contains(
            "id=\"count-expired\" title=\"Show only this status\"><span class=\"n\">0</span>"
        ));
        assert!(html.contains(
            "id=\"count-valid\" title=\"Show only this status\"><span class=\"n\">1</span>"
        ));
        for level in ["绝密", "机密", "秘密"] {
            assert!(html.contains(&format!("<span class=\"k\">{level}</span>")));
        }
    }

    #[test]
    fn chart_draws_a_bar_per_dated_row() {
        let html = page(&sample(), Lang::Zh);
        assert_eq!(html.matches("class=\"bar status-valid\"").count(), 1);
        assert_eq!(
            html.matches("class=\"marker status-indefinite\"").count(),
            1
        );
        assert!(html.contains("id=\"today-line\""));
        assert!(html.contains("id=\"expiring-window\""));
        assert_eq!(html.matches("<tr class=").count(), 2);
    }

    #[test]
    fn empty_ledger_renders() {
        let ledger = Ledger::default();
        for lang in [Lang::Zh, Lang::En] {
            let html = page(&ledger, lang);
            assert!(html.contains("<svg id=\"timeline\""));
            assert!(html.contains("id=\"today-line\""));
            assert!(html.ends_with("</html>\n"));
            assert_eq!(html.matches("<tr class=").count(), 0);
        }
        assert!(page(&ledger, Lang::Zh).contains("本年度没有需要决定的事项。"));
    }

    #[test]
    fn long_spans_are_capped() {
        let mut ledger = sample();
        ledger.rows[0].start = Some(Date::constant(1950, 1, 1));
        ledger.rows[0].last_day = Some(Date::constant(2200, 1, 1));
        let (first, last) = year_span(&ledger, TODAY, TODAY);
        assert_eq!((first, last), (2016, 2055));
        let html = page(&ledger, Lang::Zh);
        assert!(html.contains("clipped-start clipped-end"));
    }

    #[test]
    fn clipping_counts_columns() {
        assert_eq!(clip_end("机密★解密条件：工程竣工验收后", 10), "机密★解密…"); // ★ is one column
        assert_eq!(clip_end("机密★5年", 16), "机密★5年");
        assert_eq!(
            clip_start("docs/very/long/folder/name/report.md", 12),
            "…e/report.md"
        );
        assert_eq!(clip_start("a.md", 12), "a.md");
    }
}
