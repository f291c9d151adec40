//! `factolint rule`, `factolint rules` and `factolint completions`: documentation and shell
//! support, from the rule files and the command definition.

use super::{say, ListFormat, EXIT_FAILURE, EXIT_OK};
use crate::catalog::RuleMeta;
use serde_json::json;

pub fn rule(code_or_name: Option<&str>, all: bool) -> i32 {
    if all {
        let pages: Vec<String> = crate::catalog::all().iter().map(page).collect();
        print!("{}", pages.join(&format!("\n{}\n\n", "-".repeat(72))));
        return EXIT_OK;
    }
    let code_or_name = code_or_name.unwrap_or_default();
    let Some(meta) = crate::catalog::lookup(code_or_name) else {
        say(format!(
            "no rule {code_or_name:?}; run `factolint rules` for the list"
        ));
        return EXIT_FAILURE;
    };
    print!("{}", page(meta));
    EXIT_OK
}

/// One rule's documentation as `factolint rule` prints it.
fn page(meta: &RuleMeta) -> String {
    let off_by_default = match &meta.default_off_reason {
        Some(reason) => format!(
            "\n\nOff by default: turn it on by name (`--extend-select {}`, or `extend-select = \
             [\"{}\"]` in factolint.toml). {}",
            meta.code,
            meta.code,
            reason.trim()
        ),
        None => String::new(),
    };
    let mut text = format!(
        "{} {}\n\nDefault level: {}{}{}\n\n{}\n\n{}\n",
        meta.code,
        meta.name,
        meta.default_severity.as_str(),
        if meta.fixable { " (fixable)" } else { "" },
        off_by_default,
        meta.summary,
        meta.explanation.trim()
    );
    if let Some(bad) = &meta.bad {
        text.push_str(&format!("\nFlagged:\n\n{}\n", indent(bad)));
    }
    if let Some(good) = &meta.good {
        text.push_str(&format!("\nInstead:\n\n{}\n", indent(good)));
    }
    text
}

fn indent(code: &str) -> String {
    code.trim_matches('\n')
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn rules(format: ListFormat) -> i32 {
    match format {
        ListFormat::Human => {
            println!(
                "{:<6} {:<36} {:<8} {:<9} fix",
                "code", "name", "level", "tag"
            );
            for meta in crate::catalog::all() {
                // An opt-in rule shows its level in parentheses: it runs only when named.
                let level = if meta.default_enabled {
                    meta.default_severity.as_str().to_string()
                } else {
                    format!("({})", meta.default_severity.as_str())
                };
                println!(
                    "{:<6} {:<36} {:<8} {:<9} {}",
                    meta.code,
                    meta.name,
                    level,
                    meta.tag.as_str(),
                    if meta.fixable { "yes" } else { "no" }
                );
            }
            if crate::catalog::all().iter().any(|m| !m.default_enabled) {
                println!(
                    "\n(level): off by default; turn it on by name (--extend-select CODE), \
                     `factolint rule CODE` says why"
                );
            }
        }
        ListFormat::Json => {
            let rules: Vec<_> = crate::catalog::all()
                .iter()
                .map(|meta| {
                    json!({
                        "code": meta.code,
                        "name": meta.name,
                        "default_level": meta.default_severity.as_str(),
                        "default_enabled": meta.default_enabled,
                        "default_off_reason": meta.default_off_reason.as_deref().map(str::trim),
                        "fixable": meta.fixable,
                        "tag": meta.tag.as_str(),
                        "summary": meta.summary,
                        "explanation": meta.explanation.trim(),
                        "bad": meta.bad.as_deref().map(|b| b.trim_matches('\n')),
                        "good": meta.good.as_deref().map(|g| g.trim_matches('\n')),
                    })
                })
                .collect();
            let document = json!({ "version": 1, "rules": rules });
            println!(
                "{}",
                serde_json::to_string_pretty(&document).expect("JSON values serialise")
            );
        }
    }
    EXIT_OK
}

pub fn completions(shell: clap_complete::Shell) -> i32 {
    use clap::CommandFactory;
    let mut command = super::Cli::command();
    clap_complete::generate(shell, &mut command, "factolint", &mut std::io::stdout());
    EXIT_OK
}
