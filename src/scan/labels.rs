//! Machine labels: Microsoft Purview / AIP sensitivity labels stored with a document,
//! mapped to levels by config `label-map`. Reads properties only; no I/O.
//!
//! Where the labels are (Microsoft, [MS-OFFCRYPTO] 2.6 "Sensitivity label metadata"
//! and the MIP SDK's "Label metadata" page): custom document properties named
//! `MSIP_Label_<guid>_<Attribute>` (`_Enabled`, `_Name`, `_SiteId`, …), and, in newer
//! files, the `LabelInfo` part (`docMetadata/LabelInfo.xml`, root `clbl:labelList`,
//! one `clbl:label` per label with `id`, `enabled` and `removed`), which names a
//! label only by its GUID. Precedence, [MS-OFFCRYPTO] 2.6.3 "LabelInfo versus Custom
//! Document Properties": where the policy is unknown (always, for a reader like this
//! one) LabelInfo is in use when it holds label metadata; then each label is read from
//! LabelInfo first, and from the custom properties only for a label LabelInfo has no
//! `label` element for. The readers store a LabelInfo label as the property
//! `MSIP_Label_<guid>_Enabled` of the part `…LabelInfo.xml`.

use crate::extract::Property;

/// Config `label-map`: label names and GUIDs (as written, compared without case and
/// braces) with the level each stands for.
pub type LabelMap = [(String, usize)];

/// One sensitivity label found on a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineLabel {
    /// The label's GUID, lower case, without braces.
    pub id: String,
    /// Its name, where a custom property gives one.
    pub name: Option<String>,
    /// Enabled and not removed.
    pub enabled: bool,
    /// The part it was read from.
    pub part: String,
}

/// A label key (name or GUID) as compared: trimmed, without braces, lower case.
pub fn key(s: &str) -> String {
    s.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_lowercase()
}

fn is_label_info(part: &str) -> bool {
    part.rsplit('/')
        .next()
        .is_some_and(|p| p.eq_ignore_ascii_case("LabelInfo.xml"))
}

/// The labels on a document, with the precedence of [MS-OFFCRYPTO] 2.6.3.
pub fn machine_labels(props: &[Property]) -> Vec<MachineLabel> {
    let mut labels: Vec<MachineLabel> = Vec::new();
    // LabelInfo first, then the custom properties for the labels it does not name.
    let from_info: Vec<&Property> = props.iter().filter(|p| is_label_info(&p.part)).collect();
    let mut ordered = from_info.clone();
    ordered.extend(props.iter().filter(|p| !is_label_info(&p.part)));
    for p in ordered {
        let Some(rest) = p.key.strip_prefix("MSIP_Label_") else {
            continue;
        };
        let Some((id, attribute)) = rest.rsplit_once('_') else {
            continue;
        };
        let id = key(id);
        let info = is_label_info(&p.part);
        let known = labels.iter().position(|l| l.id == id);
        let i = match known {
            Some(i) => i,
            None => {
                labels.push(MachineLabel {
                    id: id.clone(),
                    name: None,
                    enabled: false,
                    part: p.part.clone(),
                });
                labels.len() - 1
            }
        };
        let l = &mut labels[i];
        // A label LabelInfo holds takes its state from there only; a name is not
        // state (LabelInfo has none), so the custom property's name is kept.
        let owned_by_info = !info && is_label_info(&l.part);
        match attribute {
            "Enabled" if !owned_by_info => {
                l.enabled = p.value.trim().eq_ignore_ascii_case("true") || p.value.trim() == "1";
            }
            "Name" => l.name = Some(p.value.trim().to_string()),
            _ => {}
        }
    }
    labels
}

/// The highest level the enabled, mapped labels stand for, with the label (its name,
/// else its GUID) and its part. Unmapped labels are ignored.
pub fn mapped_level(
    regime: &crate::regime::Regime,
    props: &[Property],
    map: &LabelMap,
) -> Option<(usize, String, String)> {
    if map.is_empty() {
        return None;
    }
    let level_of = |k: &str| map.iter().find(|(m, _)| key(m) == key(k)).map(|(_, l)| *l);
    machine_labels(props)
        .into_iter()
        .filter(|l| l.enabled)
        .filter_map(|l| {
            let level = l
                .name
                .as_deref()
                .and_then(level_of)
                .or_else(|| level_of(&l.id))?;
            let shown = l.name.clone().unwrap_or_else(|| l.id.clone());
            Some((level, shown, l.part))
        })
        .max_by_key(|(level, _, _)| regime.levels[*level].rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(key: &str, value: &str, part: &str) -> Property {
        Property {
            key: key.to_string(),
            value: value.to_string(),
            part: part.to_string(),
        }
    }

    const G: &str = "3a4b5c6d-1111-2222-3333-444455556666";
    const CUSTOM: &str = "docProps/custom.xml";
    const INFO: &str = "docMetadata/LabelInfo.xml";

    #[test]
    fn custom_properties_alone() {
        let props = [
            prop(&format!("MSIP_Label_{G}_Enabled"), "true", CUSTOM),
            prop(
                &format!("MSIP_Label_{G}_Name"),
                "Highly Confidential",
                CUSTOM,
            ),
        ];
        let l = machine_labels(&props);
        assert_eq!(l.len(), 1);
        assert!(l[0].enabled);
        assert_eq!(l[0].name.as_deref(), Some("Highly Confidential"));
    }

    /// [MS-OFFCRYPTO] 2.6.3: LabelInfo wins for a label it names; the custom
    /// properties still give its name and any label LabelInfo does not name.
    #[test]
    fn label_info_takes_precedence() {
        let other = "00000000-aaaa-bbbb-cccc-000000000001";
        let props = [
            prop(&format!("MSIP_Label_{G}_Enabled"), "true", CUSTOM),
            prop(
                &format!("MSIP_Label_{G}_Name"),
                "Highly Confidential",
                CUSTOM,
            ),
            prop(&format!("MSIP_Label_{other}_Enabled"), "true", CUSTOM),
            prop(
                &format!("MSIP_Label_{{{}}}_Enabled", G.to_uppercase()),
                "false",
                INFO,
            ),
        ];
        let l = machine_labels(&props);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].id.as_str(), l[0].enabled), (G, false));
        assert_eq!(l[0].name.as_deref(), Some("Highly Confidential"));
        assert!(l[1].enabled);
    }

    #[test]
    fn mapped_by_name_or_guid_and_unmapped_ignored() {
        let regime = crate::regime::Regime::builtin();
        let jm = regime.level_named("机密").unwrap();
        let props = [
            prop(&format!("MSIP_Label_{G}_Enabled"), "True", CUSTOM),
            prop(
                &format!("MSIP_Label_{G}_Name"),
                "Highly Confidential",
                CUSTOM,
            ),
        ];
        let by_name = [("highly confidential".to_string(), jm)];
        assert_eq!(
            mapped_level(&regime, &props, &by_name).map(|x| x.0),
            Some(jm)
        );
        let by_guid = [(format!("{{{G}}}"), jm)];
        assert_eq!(
            mapped_level(&regime, &props, &by_guid).map(|x| x.0),
            Some(jm)
        );
        let other = [("Public".to_string(), jm)];
        assert_eq!(mapped_level(&regime, &props, &other), None);
    }
}
