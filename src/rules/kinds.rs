//! The one table of rule kinds. A rule file names its kind; this table says what that
//! kind is: the variant the checks match on, the phrases its rule file must define, the
//! placeholders its texts may use, the parameters it takes and how it runs. Adding a
//! kind is one line here, its check function and its rule file — nothing else knows the
//! list. Placeholders and phrase keys are names the compiler checks (`Var`, `phrase::`).

use super::check::{self, Input, Out};

/// The closed set of rule kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KindId {
    MalformedMark,
    MisplacedMark,
    ConflictingMarks,
    NonSecretStar,
    PublicButMarked,
    HiddenMark,
    TermExceedsLimit,
    MissingTerm,
    IndefiniteTerm,
    TermExpired,
    TermExpiring,
    UndatedMark,
    TermUnit,
    MissingMark,
    MarkBelowContent,
    ContainerBelowContents,
    UnmarkedChange,
    MissingCopyNumber,
    MissingDistribution,
    AuthorityHint,
    UnclassifiedSystem,
    TopSecretCopy,
    PublishReview,
    SensitiveKeyword,
    UnreadableFile,
    BadSuppression,
    Pattern,
}

/// A placeholder in a rule's texts (`{raw}`), by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    Raw,
    Problem,
    Fix,
    Term,
    Zone,
    Source,
    OtherRaw,
    OtherSource,
    Designation,
    Declaration,
    Declared,
    Level,
    Max,
    Date,
    Start,
    LimitDay,
    StartSource,
    LastDay,
    Days,
    FixedTerm,
    Reason,
    Inner,
    InnerLevel,
    Line,
    Content,
    Others,
    Copy,
    Place,
    Detail,
    Code,
    Match,
    Authority,
    Carried,
    Base,
}

impl Var {
    /// The name in `{…}`.
    pub const fn name(self) -> &'static str {
        match self {
            Var::Raw => "raw",
            Var::Problem => "problem",
            Var::Fix => "fix",
            Var::Term => "term",
            Var::Zone => "zone",
            Var::Source => "source",
            Var::OtherRaw => "other_raw",
            Var::OtherSource => "other_source",
            Var::Designation => "designation",
            Var::Declaration => "declaration",
            Var::Declared => "declared",
            Var::Level => "level",
            Var::Max => "max",
            Var::Date => "date",
            Var::Start => "start",
            Var::LimitDay => "limit_day",
            Var::StartSource => "start_source",
            Var::LastDay => "last_day",
            Var::Days => "days",
            Var::FixedTerm => "fixed_term",
            Var::Reason => "reason",
            Var::Inner => "inner",
            Var::InnerLevel => "inner_level",
            Var::Line => "line",
            Var::Content => "content",
            Var::Others => "others",
            Var::Copy => "copy",
            Var::Place => "place",
            Var::Detail => "detail",
            Var::Code => "code",
            Var::Match => "match",
            Var::Authority => "authority",
            Var::Carried => "carried",
            Var::Base => "base",
        }
    }

    /// Whether the value quotes the document (redacted with `--no-snippets`).
    pub const fn quotes_document(self) -> bool {
        matches!(
            self,
            Var::Raw
                | Var::OtherRaw
                | Var::Designation
                | Var::Declaration
                | Var::Inner
                | Var::Match
                | Var::Term
        )
    }
}

/// Phrase keys: the extra texts a kind's rule file defines under `phrases:`.
pub mod phrase {
    pub const DATE_BEYOND: &str = "date-beyond";
    pub const DATE_PASSED: &str = "date-passed";
    pub const TODAY: &str = "today";
    pub const MONTHS_OVER_12: &str = "months-over-12";
    pub const YEARS_AS_MONTHS: &str = "years-as-months";
    pub const ZERO_TERM: &str = "zero-term";
    pub const NOTE: &str = "note";
    pub const FRONT_MATTER: &str = "front-matter";
    pub const PROPERTIES: &str = "properties";
    pub const PUBLIC_PATH: &str = "public-path";
    pub const PORTION: &str = "portion";
    pub const ATTACHMENT: &str = "attachment";
    pub const LABEL: &str = "label";
    /// A sensitivity label mapped by config `label-map`.
    pub const SENSITIVITY_LABEL: &str = "sensitivity-label";
    pub const FILE_NAME: &str = "file-name";
    pub const CLASSIFIED_PATH: &str = "classified-path";
    pub const KEYWORD: &str = "keyword";
    pub const TERM_SHORTER: &str = "term-shorter";
    pub const NO_LEVEL: &str = "no-level";
    /// ML001: an indefinite word no rule provides for (`永久`), and a bare level's
    /// missing term.
    pub const INDEFINITE_WORD: &str = "indefinite-word";
    pub const NO_TERM: &str = "no-term";
    /// ML206: a container that carries no mark in force at all.
    pub const NO_MARK: &str = "no-mark";
    /// ML108: the mark in force was removed, its term shortened, or it was changed
    /// otherwise (raised, or a term that cannot be ordered).
    pub const REMOVED: &str = "removed";
    pub const SHORTENED: &str = "shortened";
    pub const CHANGED: &str = "changed";
    /// ML900: the file's version at the base revision could not be read (ML108 could
    /// not compare), a whole message of its own.
    pub const BASE_UNREADABLE: &str = "base-unreadable";
}

/// What parameters a kind takes under `params:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsKind {
    None,
    /// `pattern`, `scope`.
    Pattern,
}

/// How a kind runs.
#[derive(Clone, Copy)]
pub enum Runs {
    /// Over the scan of one document.
    Document(fn(&mut Out, &Input)),
    /// Decided across the tree after every document is checked (ML302).
    Tree,
    /// Decided over a document and the documents it carries, once they are all scanned
    /// (ML206).
    Carrier,
    /// Decided against the file's version at the base revision (`--diff-base`,
    /// `--staged`), read from git by the engine (ML108).
    History,
    /// Findings about reading and directives, made by the engine (ML900, ML901).
    Tool,
}

/// One line of the table.
pub struct KindSpec {
    pub id: KindId,
    /// The name rule files use (`kind: term-expired`).
    pub name: &'static str,
    pub phrases: &'static [&'static str],
    pub vars: &'static [Var],
    pub params: ParamsKind,
    /// A rule about the tool itself: no law imposes it, so it may quote no article.
    pub about_the_tool: bool,
    pub runs: Runs,
}

use Var::*;
use phrase::*;

const MARK: &[Var] = &[Raw];

/// Every kind. Phrases that come from closed enums elsewhere (ML001's problems, ML900's
/// reasons, ML901's problems) are listed by those enums.
pub static KINDS: [KindSpec; 27] = [
    spec(
        KindId::MalformedMark,
        "malformed-mark",
        &MALFORMED_PHRASES,
        &[Raw, Problem, Fix, Term],
        ParamsKind::None,
        Runs::Document(check::form::malformed_mark),
    ),
    spec(
        KindId::MisplacedMark,
        "misplaced-mark",
        &[],
        &[Raw, Zone],
        ParamsKind::None,
        Runs::Document(check::form::misplaced_mark),
    ),
    spec(
        KindId::ConflictingMarks,
        "conflicting-marks",
        &[],
        &[Raw, Source, OtherRaw, OtherSource],
        ParamsKind::None,
        Runs::Document(check::form::conflicting_marks),
    ),
    spec(
        KindId::NonSecretStar,
        "non-secret-star",
        &[],
        &[Raw, Designation],
        ParamsKind::None,
        Runs::Document(check::form::non_secret_star),
    ),
    spec(
        KindId::PublicButMarked,
        "public-but-marked",
        &[NOTE, FRONT_MATTER, PROPERTIES, PUBLIC_PATH],
        &[Raw, Declaration, Declared],
        ParamsKind::None,
        Runs::Document(check::form::public_but_marked),
    ),
    spec(
        KindId::HiddenMark,
        "hidden-mark",
        &[],
        MARK,
        ParamsKind::None,
        Runs::Document(check::form::hidden_mark),
    ),
    spec(
        KindId::TermExceedsLimit,
        "term-exceeds-limit",
        &[DATE_BEYOND],
        &[Raw, Level, Term, Max, Date, Start, LimitDay],
        ParamsKind::None,
        Runs::Document(check::terms::term_exceeds_limit),
    ),
    spec(
        KindId::MissingTerm,
        "missing-term",
        &[],
        &[Raw, Level, Max],
        ParamsKind::None,
        Runs::Document(check::terms::missing_term),
    ),
    spec(
        KindId::IndefiniteTerm,
        "indefinite-term",
        &[],
        &[Raw, Term],
        ParamsKind::None,
        Runs::Document(check::terms::indefinite_term),
    ),
    spec(
        KindId::TermExpired,
        "term-expired",
        &[DATE_PASSED],
        &[Raw, Term, Start, StartSource, LastDay, Date],
        ParamsKind::None,
        Runs::Document(check::terms::term_expired),
    ),
    spec(
        KindId::TermExpiring,
        "term-expiring",
        &[TODAY],
        &[Raw, Term, LastDay, Days],
        ParamsKind::None,
        Runs::Document(check::terms::term_expiring),
    ),
    spec(
        KindId::UndatedMark,
        "undated-mark",
        &[],
        MARK,
        ParamsKind::None,
        Runs::Document(check::terms::undated_mark),
    ),
    spec(
        KindId::TermUnit,
        "term-unit",
        &[MONTHS_OVER_12, YEARS_AS_MONTHS, ZERO_TERM],
        &[Raw, Term, Problem, Fix, FixedTerm],
        ParamsKind::None,
        Runs::Document(check::terms::term_unit),
    ),
    spec(
        KindId::MissingMark,
        "missing-mark",
        &[
            PORTION,
            ATTACHMENT,
            LABEL,
            FRONT_MATTER,
            PROPERTIES,
            SENSITIVITY_LABEL,
            FILE_NAME,
            CLASSIFIED_PATH,
            KEYWORD,
        ],
        &[Raw, Reason, Level],
        ParamsKind::None,
        Runs::Document(check::presence::missing_mark),
    ),
    spec(
        KindId::MarkBelowContent,
        "mark-below-content",
        &[TERM_SHORTER, PORTION, ATTACHMENT, KEYWORD],
        &[Raw, Inner, InnerLevel, Line, Content],
        ParamsKind::None,
        Runs::Document(check::presence::mark_below_content),
    ),
    spec(
        KindId::ContainerBelowContents,
        "container-below-contents",
        &[NO_MARK, TERM_SHORTER],
        &[Raw, Carried, InnerLevel, OtherRaw],
        ParamsKind::None,
        Runs::Carrier,
    ),
    spec(
        KindId::UnmarkedChange,
        "unmarked-change",
        &[REMOVED, SHORTENED, CHANGED],
        &[Raw, OtherRaw, Base],
        ParamsKind::None,
        Runs::History,
    ),
    spec(
        KindId::MissingCopyNumber,
        "missing-copy-number",
        &[],
        MARK,
        ParamsKind::None,
        Runs::Document(check::presence::missing_copy_number),
    ),
    spec(
        KindId::MissingDistribution,
        "missing-distribution",
        &[],
        MARK,
        ParamsKind::None,
        Runs::Document(check::presence::missing_distribution),
    ),
    spec(
        KindId::AuthorityHint,
        "authority-hint",
        &[],
        &[Raw, Authority, Level],
        ParamsKind::None,
        Runs::Document(check::presence::authority_hint),
    ),
    spec(
        KindId::UnclassifiedSystem,
        "classified-on-unclassified-system",
        &[],
        &[Raw, Place],
        ParamsKind::None,
        Runs::Document(check::carriers::unclassified_system),
    ),
    spec(
        KindId::TopSecretCopy,
        "top-secret-copy",
        &[],
        &[Raw, Others, Copy],
        ParamsKind::None,
        Runs::Tree,
    ),
    spec(
        KindId::PublishReview,
        "publish-review",
        &[],
        MARK,
        ParamsKind::None,
        Runs::Document(check::carriers::publish_review),
    ),
    spec(
        KindId::SensitiveKeyword,
        "sensitive-keyword",
        &[NO_LEVEL],
        &[Raw, Level],
        ParamsKind::None,
        Runs::Document(check::carriers::sensitive_keyword),
    ),
    tool(
        KindId::UnreadableFile,
        "unreadable-file",
        &UNREADABLE_PHRASES,
        &[Reason, Detail],
    ),
    tool(
        KindId::BadSuppression,
        "bad-suppression",
        &crate::suppress::Problem::KEYS,
        &[Raw, Code, Problem],
    ),
    spec(
        KindId::Pattern,
        "pattern",
        &[],
        &[Match],
        ParamsKind::Pattern,
        Runs::Document(check::carriers::pattern),
    ),
];

const fn spec(
    id: KindId,
    name: &'static str,
    phrases: &'static [&'static str],
    vars: &'static [Var],
    params: ParamsKind,
    runs: Runs,
) -> KindSpec {
    KindSpec {
        id,
        name,
        phrases,
        vars,
        params,
        about_the_tool: false,
        runs,
    }
}

const fn tool(
    id: KindId,
    name: &'static str,
    phrases: &'static [&'static str],
    vars: &'static [Var],
) -> KindSpec {
    KindSpec {
        id,
        name,
        phrases,
        vars,
        params: ParamsKind::None,
        about_the_tool: true,
        runs: Runs::Tool,
    }
}

/// ML001's phrases: one per problem of form, then the indefinite word no rule provides
/// for and a bare level's missing term.
const MALFORMED_PHRASES: [&str; crate::marking::Problem::KEYS.len() + 2] = {
    let mut keys = [""; crate::marking::Problem::KEYS.len() + 2];
    let mut i = 0;
    while i < crate::marking::Problem::KEYS.len() {
        keys[i] = crate::marking::Problem::KEYS[i];
        i += 1;
    }
    keys[i] = INDEFINITE_WORD;
    keys[i + 1] = NO_TERM;
    keys
};

/// ML900's phrases: one per reason a reader gives, then the base version that could not
/// be read.
const UNREADABLE_PHRASES: [&str; crate::extract::ExtractError::PHRASES.len() + 1] = {
    let reasons = crate::extract::ExtractError::PHRASES;
    let mut keys = [""; crate::extract::ExtractError::PHRASES.len() + 1];
    let mut i = 0;
    while i < reasons.len() {
        keys[i] = reasons[i];
        i += 1;
    }
    keys[i] = BASE_UNREADABLE;
    keys
};

/// The kind a rule file names.
pub fn by_name(name: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.name == name)
}

impl KindId {
    /// This kind's line of the table.
    pub fn spec(self) -> &'static KindSpec {
        KINDS
            .iter()
            .find(|k| k.id == self)
            .expect("every kind has a line in KINDS (a test checks it)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_line() {
        let mut names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KINDS.len(), "a name twice");
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(
                KINDS.iter().position(|o| o.id == k.id),
                Some(i),
                "{} twice",
                k.name
            );
            assert!(std::ptr::eq(k.id.spec(), k));
        }
    }
}
