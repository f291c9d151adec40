//! Which Factorio a mod is written for: `factorio_version` in info.json, or the config.

/// `major.minor` of a Factorio version (`"2.0"`, `"1.1"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactorioVersion {
    pub major: u32,
    pub minor: u32,
}

impl FactorioVersion {
    pub fn parse(text: &str) -> Option<FactorioVersion> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().unwrap_or("0").parse().ok()?;
        Some(FactorioVersion { major, minor })
    }

    /// 2.0 renamed `global` to `storage` and moved many `game.*` helpers.
    pub fn is_2_0_or_later(self) -> bool {
        self.major >= 2
    }
}

impl std::fmt::Display for FactorioVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}
