//! Meta rules: problems with the input itself (unparsable, unreadable or too large files, a
//! broken info.json) and with factolint's own suppression comments. They have no check over
//! the semantic model: the engine reports them while it reads files, and suppression matching
//! reports FL002. Their codes are named here so the places that emit them agree.

/// FL001 parse-error: the file is not valid Lua 5.2 (or is binary).
pub const PARSE_ERROR: &str = "FL001";
/// FL002 unused-suppression: a suppression comment that matches no finding.
pub const UNUSED_SUPPRESSION: &str = "FL002";
/// FL003 unreadable-file: the file could not be read.
pub const UNREADABLE_FILE: &str = "FL003";
/// FL004 invalid-info-json: a mod's info.json is not what Factorio accepts.
pub const INVALID_INFO_JSON: &str = "FL004";
/// FL005 analysis-limit: a file over a size or nesting limit was not analysed.
pub const ANALYSIS_LIMIT: &str = "FL005";
