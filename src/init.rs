//! `mark-lint init`: a commented `.mark-lint.yaml` with every config key, and the
//! snippet that wires mark-lint into pre-commit. Never overwrites without `--force`.

use crate::config::SystemKind;

/// The config file written by `init`.
pub fn config_text(system: SystemKind) -> String {
    let system_line = match system {
        SystemKind::Classified => {
            "system: classified        # 涉密系统；普通仓库、网站、办公网请改为 unclassified"
        }
        SystemKind::Unclassified => {
            "system: unclassified      # 非涉密系统：任何国家秘密标志都是问题（第三十一条）"
        }
    };
    format!(
        r#"# yaml-language-server: $schema={schema}
# mark-lint 配置 / mark-lint configuration
# 每个文件使用其所在目录向上最近的 .mark-lint.yaml；`--config` 可指定。
# Each file uses the nearest .mark-lint.yaml above it; `--config` overrides.

{system_line}

# lang: zh                  # zh | en；默认取 LANG
# today: 2026-11-27         # 固定检查日期（通常不设，取当天）
# expiring-within-days: 90  # 保密期限将满的提醒天数（ML105）
# fail-on: error            # error | warning | info | never：达到该严重程度时退出码为 1
# term-start: 成文日期       # 或 印发日期：保密期限从哪个日期起算
# authority: 设区的市级      # 本机关的定密权限（启用 ML205 提示）

# 路径均相对于本文件 / paths are relative to this file
# classified-paths: ["涉密/**"]   # 此处文件都必须有国家秘密标志（ML201）
# public-paths: ["公开/**"]       # 此处文件不得有国家秘密标志（ML005）
# publish-paths: ["site/**"]      # 发布前保密审查（ML303）

# keywords:                       # 涉密关键词：密点、项目代号（ML304）
#   - {{ pattern: "天河工程", level: 机密 }}
#   - {{ pattern: "TH-\\d{{3}}", regex: true }}

# label-map:                      # 敏感度标签（Microsoft Purview/AIP 标签名或 GUID）对应的密级；未列出的标签不计
#   "Highly Confidential": 机密

# rules: ["my-rules/*.yaml"]      # 自定义规则文件（`mark-lint test-rules FILE` 检验其示例）
# select: []                      # 只运行这些规则
# ignore: ["ML106"]               # 不运行这些规则
# severity: {{ ML002: error }}      # 调整严重程度（error | warning | info | off）
# exclude: ["build/**"]           # 另外也遵循 .gitignore 与 .marklintignore
# max-file-size-mb: 256
# ocr: auto                       # 扫描件文字识别（OCR，需 tesseract-ocr-chi-sim）：auto | never | always
# ocr-pages: first                # 只识别首页版头（first）或者全部页面（all）
"#,
        schema = crate::commands::schema::CONFIG_SCHEMA_FILE,
    )
}

/// The hooks this repository publishes: the snippet copies their `files:` pattern, so
/// the two never drift apart.
const HOOKS: &str = include_str!("../.pre-commit-hooks.yaml");

#[derive(serde::Deserialize)]
struct Hook {
    id: String,
    name: String,
    entry: String,
    files: String,
}

/// The `.pre-commit-config.yaml` snippet printed by `init`.
pub fn pre_commit_snippet(system: SystemKind) -> String {
    let id = match system {
        SystemKind::Classified => "mark-lint",
        SystemKind::Unclassified => "mark-lint-unclassified",
    };
    let hooks: Vec<Hook> = serde_yaml::from_str(HOOKS).unwrap_or_default();
    let (name, entry, files) = hooks
        .iter()
        .find(|h| h.id == id)
        .map(|h| (h.name.as_str(), h.entry.as_str(), h.files.as_str()))
        .unwrap_or(("mark-lint", "mark-lint check", ".*"));
    format!(
        r#"# .pre-commit-config.yaml — with mark-lint installed on this machine (the release
# binary, or built from the offline source bundle: README, 离线安装 / Air-gapped
# install); nothing is compiled or downloaded, as on an air-gapped network:
repos:
  - repo: local
    hooks:
      - id: {id}
        name: {name}
        entry: {entry}
        language: system
        pass_filenames: true
        # never `types: [text]`: Office, OFD and PDF files would not reach the hook
        files: {files}

# Or the hooks of the mark-lint repository: `{id}-system` runs the installed
# binary (an internal mirror on an air-gapped network); `{id}` builds it (crates.io):
#  - repo: <URL of mark-lint, or your internal mirror>
#    rev: v{version}
#    hooks:
#      - id: {id}-system

# Without the pre-commit framework, lint what is staged:
#   mark-lint check --staged
"#,
        version = env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_template_is_a_valid_config() {
        for system in [SystemKind::Classified, SystemKind::Unclassified] {
            let text = config_text(system);
            let raw: crate::config::RawConfig = serde_yaml::from_str(&text).unwrap();
            assert_eq!(raw.system, Some(system));
            // Every commented key is a real key once uncommented.
            let uncommented: String = text
                .lines()
                .filter(|l| l.starts_with("# ") && l.contains(':') && !l.starts_with("# mark-lint"))
                .filter(|l| !l.starts_with("# yaml-language-server"))
                .filter(|l| {
                    !l.starts_with("# 每个") && !l.starts_with("# Each") && !l.starts_with("# 路径")
                })
                .map(|l| format!("{}\n", &l[2..]))
                .collect();
            let keys: serde_yaml::Mapping = serde_yaml::from_str(&uncommented).unwrap();
            let all = format!("system: classified\n{uncommented}");
            let parsed: Result<crate::config::RawConfig, _> = serde_yaml::from_str(&all);
            assert!(parsed.is_ok(), "{parsed:?}\n{all}");
            assert!(keys.len() >= 16, "{}", keys.len());
        }
    }

    #[test]
    fn snippet_uses_the_published_hooks() {
        let hooks: Vec<Hook> = serde_yaml::from_str(HOOKS).unwrap();
        for (system, id) in [
            (SystemKind::Classified, "mark-lint"),
            (SystemKind::Unclassified, "mark-lint-unclassified"),
        ] {
            let hook = hooks.iter().find(|h| h.id == id).unwrap();
            let snippet = pre_commit_snippet(system);
            assert!(snippet.contains(&format!("files: {}", hook.files)));
            assert!(snippet.contains(&format!("entry: {}", hook.entry)));
            let yaml: serde_yaml::Value = serde_yaml::from_str(&snippet).unwrap();
            assert!(yaml["repos"][0]["hooks"][0]["id"].as_str() == Some(id));
            // The commented mirror alternative names a hook that exists.
            let system = format!("{id}-system");
            assert!(snippet.contains(&format!("- id: {system}\n")));
            assert!(hooks.iter().any(|h| h.id == system), "{system}");
        }
    }
}
