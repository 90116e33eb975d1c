//! Marks a document must carry (ML201–ML205): missing, below its content, no 份号, no
//! 知悉范围, beyond the authority's 定密权限.

use super::*;
use crate::term;

/// ML201: something says the document is classified, but it has no banner mark.
pub(crate) fn missing_mark(out: &mut Out, input: &Input) {
    let scan = input.scan;
    let has_banner = scan.banners.iter().any(|b| !b.attachment)
        || !scan.candidates.is_empty()
        || !scan.changes.is_empty();
    if has_banner || scan.declassified.is_some() {
        return;
    }
    let trigger: Option<(&str, String, Option<&Position>)> = if let Some(p) = scan.portions.first()
    {
        // A portion mark names its level itself (`（机密）`).
        Some(("portion", p.raw.clone(), Some(&p.pos)))
    } else if let Some(b) = scan
        .banners
        .iter()
        .find(|b| b.attachment && !scan.starts_with_attachment)
    {
        Some(("attachment", b.mark.raw.clone(), Some(&b.pos)))
    } else if let Some(l) = scan.labels.iter().find(|l| l.level.is_some()) {
        Some(("label", l.raw.clone(), Some(&l.pos)))
    } else if let Some(d) = &scan.front.level {
        Some(("front-matter", d.raw.clone(), d.pos.as_ref()))
    } else if let Some(d) = &scan.props.level {
        Some(("properties", d.raw.clone(), d.pos.as_ref()))
    } else if let Some(d) = &scan.label {
        Some(("sensitivity-label", d.raw.clone(), d.pos.as_ref()))
    } else if let Some(d) = &scan.file_name {
        Some(("file-name", d.raw.clone(), None))
    } else if let Some(hit) = out.hits.iter().find(|h| h.keyword.level.is_some()) {
        Some(("keyword", hit.text.clone(), Some(&hit.pos)))
    } else if out.ctx.classified_path {
        Some(("classified-path", String::new(), None))
    } else {
        None
    };
    let Some((key, raw, pos)) = trigger else {
        return;
    };
    // A sensitivity label says which level config `label-map` maps it to.
    let level = scan
        .label
        .as_ref()
        .and_then(|l| l.level)
        .filter(|_| key == "sensitivity-label")
        .map(|l| out.ctx.regime.levels[l].name.clone())
        .unwrap_or_default();
    let reason = out.render_phrase(key, &[(Var::Raw, raw.clone()), (Var::Level, level)]);
    out.finding(pos, &[(Var::Raw, raw), (Var::Reason, reason)], None, None);
}

/// ML202: the banner's level is below a portion or attachment mark inside, or its
/// term shorter than an attachment's.
pub(crate) fn mark_below_content(out: &mut Out, input: &Input) {
    let scan = input.scan;
    let regime = out.ctx.regime;
    let Some(banner) = scan.mark_in_force() else {
        return;
    };
    let rank = |i: usize| regime.levels[i].rank;
    let mut inside: Vec<(String, usize, &Position)> = scan
        .portions
        .iter()
        .map(|p| (p.raw.clone(), p.level, &p.pos))
        .collect();
    inside.extend(
        scan.banners
            .iter()
            .filter(|b| b.attachment)
            .map(|b| (b.mark.raw.clone(), b.mark.level, &b.pos)),
    );
    let hits = out.hits;
    inside.extend(
        hits.iter()
            .filter_map(|h| h.keyword.level.map(|l| (h.text.clone(), l, &h.pos))),
    );
    // What the inner thing is: a portion or attachment mark shows its level itself, a
    // keyword does not.
    let portions = scan.portions.len();
    let attachments = scan.banners.iter().filter(|b| b.attachment).count();
    if let Some((i, (raw, level, pos))) = inside
        .iter()
        .enumerate()
        .filter(|(_, (_, l, _))| rank(*l) > rank(banner.mark.level))
        .max_by_key(|(_, (_, l, _))| rank(*l))
    {
        let what = if i < portions {
            "portion"
        } else if i < portions + attachments {
            "attachment"
        } else {
            "keyword"
        };
        let inner_vars = [
            (Var::Inner, raw.clone()),
            (Var::InnerLevel, regime.levels[*level].name.clone()),
            (Var::Line, pos.line.to_string()),
        ];
        let content = out.render_phrase(what, &inner_vars);
        let vars = [
            (Var::Raw, banner.mark.raw.clone()),
            (Var::Inner, raw.clone()),
            (Var::InnerLevel, regime.levels[*level].name.clone()),
            (Var::Line, pos.line.to_string()),
            (Var::Content, content),
        ];
        out.finding(Some(&banner.pos), &vars, Some(&banner.mark), None);
        return;
    }
    // Terms: the longest of the attachments' terms, where terms can be ordered.
    let longer = scan
        .banners
        .iter()
        .filter(|b| b.attachment && term::outlasts(&b.mark.term, &banner.mark.term))
        .reduce(|a, b| {
            if term::outlasts(&b.mark.term, &a.mark.term) {
                b
            } else {
                a
            }
        });
    if let Some(inner) = longer {
        let vars = [
            (Var::Raw, banner.mark.raw.clone()),
            (Var::Inner, inner.mark.raw.clone()),
            (Var::Line, inner.pos.line.to_string()),
        ];
        let text = out.phrase(phrase::TERM_SHORTER).clone();
        out.finding_in(&text, Some(&banner.pos), &vars, Some(&banner.mark));
    }
}

/// The document's own mark level, if it has a banner.
pub(super) fn banner_rank(out: &Out, scan: &Scan) -> Option<u8> {
    scan.mark_in_force()
        .map(|b| out.ctx.regime.levels[b.mark.level].rank)
}

/// ML203: a classified 公文 (issuing-authority line or 文号 on its first page) without
/// a 份号.
pub(crate) fn missing_copy_number(out: &mut Out, input: &Input) {
    let scan = input.scan;
    if !scan.gongwen_head || scan.copy_number {
        return;
    }
    let regime = out.ctx.regime;
    if let Some(b) = scan.mark_in_force().filter(|b| b.in_zone)
        && (!scan.legacy || regime.legacy_copy_number_levels.contains(&b.mark.level))
    {
        out.at_mark(b);
    }
}

/// ML204: a classified document with no 知悉范围 recorded.
pub(crate) fn missing_distribution(out: &mut Out, input: &Input) {
    let scan = input.scan;
    if scan.distribution.is_some() {
        return;
    }
    if let Some(b) = scan.mark_in_force() {
        out.at_mark(b);
    }
}

/// ML205: the configured authority may not originally classify at the marked level.
pub(crate) fn authority_hint(out: &mut Out, input: &Input) {
    let scan = input.scan;
    let regime = out.ctx.regime;
    let Some(authority) = out.ctx.authority else {
        return;
    };
    let Some(b) = scan.mark_in_force() else {
        return;
    };
    let rank = regime.levels[b.mark.level].rank;
    let allowed = authority.highest.map(|h| regime.levels[h].rank);
    if allowed.is_some_and(|a| rank <= a) {
        return;
    }
    let vars = [
        (Var::Raw, b.mark.raw.clone()),
        (Var::Authority, authority.name.clone()),
        (Var::Level, regime.levels[b.mark.level].name.clone()),
    ];
    out.finding(Some(&b.pos), &vars, Some(&b.mark), None);
}
